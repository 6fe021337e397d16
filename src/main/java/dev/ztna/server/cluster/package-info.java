/**
 * Several nodes (issue 11): the replicated service directory ({@link
 * dev.ztna.server.cluster.ServiceDirectory}, on Aeron Cluster) and the node-to-node fabric that
 * carries relayed datagrams between nodes (on Aeron). Sits beside the relay: the relay asks the
 * directory where a service's Connector is and hands datagrams for another node to the fabric. The
 * single-node default uses none of it.
 */
package dev.ztna.server.cluster;
