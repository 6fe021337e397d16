/**
 * QUIC-LB connection IDs (draft-ietf-quic-load-balancers-21): connection IDs that carry this node's
 * server ID, in plaintext or encrypted with AES-128 (one AES-ECB pass when server ID and nonce fill
 * 16 bytes, a four-pass Feistel network otherwise), so that a stateless UDP load balancer in front
 * of several nodes routes every packet of a connection to its node, across NAT rebinding and
 * migration. {@link dev.ztna.server.cluster.lb.QuicLbConfig} holds the parameters every node and
 * the load balancer share, {@link dev.ztna.server.cluster.lb.QuicLbConnectionIds} mints a node's
 * CIDs (a {@link dev.ztna.server.conn.ConnectionIdGenerator}) and {@link
 * dev.ztna.server.cluster.lb.QuicLbDecoder} extracts the server ID as a load balancer does. Depends
 * only on wire, crypto and conn (and BouncyCastle's AES engine); allocation-free per CID.
 */
package dev.ztna.server.cluster.lb;
