/**
 * The server loop: one Agrona {@link org.agrona.concurrent.Agent} duty cycle over non-blocking
 * {@link java.nio.channels.DatagramChannel}s. It reads datagrams, parses their headers with the
 * {@code wire} codecs, routes them by destination connection ID (a primitive map keyed by the CID
 * packed in a {@code long}) or answers them statelessly (Version Negotiation, Retry), advances
 * timers on a {@link org.agrona.DeadlineTimerWheel} and flushes sends. Depends on {@code wire},
 * {@code crypto}, {@code certs} and later {@code conn}; never on {@code relay} or {@code cli}.
 */
package dev.ztna.server.loop;
