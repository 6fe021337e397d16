/**
 * QUIC connection layer (RFC 9000, RFC 9002): the per-connection state machine and its pure
 * building blocks.
 *
 * <p>{@link dev.ztna.server.conn.QuicConnection} is the server side of one connection, socket-free
 * and driven by the server loop (quiche style): {@code accept}, {@code onDatagram}, {@code
 * pollDatagram}/{@code pollDestination}, {@code nextTimeoutNanos}/{@code onTimeout}, the DATAGRAM
 * API and events through a {@link dev.ztna.server.conn.ConnectionListener}; settings come from an
 * immutable, shared {@link dev.ztna.server.conn.ConnectionConfig}.
 *
 * <p>{@code QuicConnection} is the orchestrator: it parses and unprotects received packets (each
 * header parsed and unmasked once), dispatches their frames and drives the lifecycle. Its state is
 * held by parts split the way quiche splits a connection, each owning its state and its tests:
 * {@link dev.ztna.server.conn.ConnectionIds} (local and peer CIDs, NEW/RETIRE_CONNECTION_ID, reset
 * tokens; quiche's {@code cid.rs}), {@link dev.ztna.server.conn.Paths} (the path, its validation
 * and per-path anti-amplification; {@code path.rs}), {@link dev.ztna.server.conn.KeyPhases} (keys
 * per space, 1-RTT key updates, AEAD limits), {@link dev.ztna.server.conn.CryptoStreams} (CRYPTO
 * per encryption level), {@link dev.ztna.server.conn.SentFrames} (what each sent packet carried,
 * beside the ledger), {@link dev.ztna.server.conn.DatagramQueue}, {@link
 * dev.ztna.server.conn.FlowCreditFrames} (the peer's streams, created on first use), {@link
 * dev.ztna.server.conn.ObservedAddress}, {@link dev.ztna.server.conn.PacketNumberSpaces}, {@link
 * dev.ztna.server.conn.CloseState}, {@link dev.ztna.server.conn.IdleTimer} and {@link
 * dev.ztna.server.conn.TransportParameterExchange}; {@link dev.ztna.server.conn.PacketAssembler}
 * writes the packets (one writer per frame kind) and requeues what was lost. Handshake-only state
 * goes when the handshake is confirmed, so an idle established connection retains about 16 KB.
 *
 * <p>It is built from socket-free, crypto-free pieces: received packet tracking and ACK scheduling
 * ({@link dev.ztna.server.conn.ReceivedPacketTracker}, RFC 9000 §13.2), RTT estimation ({@link
 * dev.ztna.server.conn.RttEstimator}, RFC 9002 §5), sent packet bookkeeping and loss detection
 * ({@link dev.ztna.server.conn.SentPacketLedger}, {@link dev.ztna.server.conn.LossDetector}, RFC
 * 9002 §6 and Appendix A), NewReno congestion control ({@link
 * dev.ztna.server.conn.NewRenoCongestionController}, RFC 9002 §7 and Appendix B), the
 * anti-amplification limit ({@link dev.ztna.server.conn.AmplificationLimiter}, RFC 9000 §8.1) and
 * receive-side flow control for the ZTNA "accept and discard streams" policy ({@link
 * dev.ztna.server.conn.FlowControl}, RFC 9000 §4).
 *
 * <p>Conventions: every class is single-threaded (owned by the connection's event loop) and
 * allocates nothing in steady state (preallocated arrays and rings, primitive fields). Time is
 * always passed in as {@code long nowNanos} (a monotonic clock such as {@link System#nanoTime()});
 * nothing here reads a clock. "No time" is {@link dev.ztna.server.conn.PacketNumberSpace#NO_TIME}
 * ({@code Long.MAX_VALUE}). Errors caused by the peer are returned as negative codes, see {@link
 * dev.ztna.server.conn.ConnErrors}; only programming errors of the caller throw.
 *
 * <p>Dependencies: the JDK, Agrona and SLF4J. The lower layers ({@code wire}, {@code crypto},
 * {@code certs}, {@code tls}) may be used by the connection proper; the recovery classes use none
 * of them and expose ACK data as primitives so the connection can feed the wire codecs. Nothing
 * here may import {@code loop}, {@code relay} or {@code cli}.
 */
package dev.ztna.server.conn;
