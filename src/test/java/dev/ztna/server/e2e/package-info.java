/**
 * End-to-end tests: the real server ({@code ZtnaServer} + {@code RelayApplication}) against real
 * QUIC clients (quiche through Netty, as the existing Agents use, and Kwik), covering ZTNA-V1
 * §2-§5: QAD, registration, relaying, replacement, idle timeout, malformed REGISTERs, bursts, churn
 * and graceful shutdown. Test scope only; reuses the clients and fault proxy of {@code interop}.
 */
package dev.ztna.server.e2e;
