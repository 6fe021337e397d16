/**
 * Test-only interoperability tooling: real QUIC clients (quiche through Netty's QUIC codec in
 * {@link dev.ztna.server.interop.QuicheClient} / {@link dev.ztna.server.interop.QuicheConnection},
 * Kwik in {@link dev.ztna.server.interop.KwikClient}), a quiche reference peer ({@link
 * dev.ztna.server.interop.QuicheEchoServer}) and a seeded userspace UDP fault proxy ({@link
 * dev.ztna.server.interop.FaultProxy}: loss, corruption, blackhole, drop-after-N, duplication,
 * reordering, NAT rebinding) standing in for {@code tc netem}. May use every production layer (it
 * drives the whole server) and the test-scope QUIC libraries; production code never imports it.
 */
package dev.ztna.server.interop;
