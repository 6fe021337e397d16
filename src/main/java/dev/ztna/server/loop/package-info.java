/**
 * The server loop: one Agrona {@link org.agrona.concurrent.Agent} duty cycle over a {@link
 * dev.ztna.server.loop.DatagramIo} (non-blocking {@link java.nio.channels.DatagramChannel}s, or
 * {@code recvmmsg}/{@code sendmmsg} through the FFM API on JDK 22+). It reads datagrams, parses
 * their headers with the {@code wire} codecs, routes them by destination connection ID (a primitive
 * map keyed by the CID packed in a {@code long}) or answers them statelessly (Version Negotiation,
 * Retry), advances timers on a {@link org.agrona.DeadlineTimerWheel} and flushes sends. Depends on
 * {@code wire}, {@code crypto}, {@code certs} and later {@code conn}; never on {@code relay} or
 * {@code cli}.
 */
package dev.ztna.server.loop;
