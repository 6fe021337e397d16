/**
 * Logging that never blocks the loop thread: {@link dev.ztna.server.logging.CountingAsyncAppender}
 * hands events to a writer thread through a bounded lock-free queue and counts what it drops when
 * the queue is full; {@link dev.ztna.server.logging.Logging} switches the console format (text or
 * JSON lines) and the root level at start and on reload.
 *
 * <p>Layer: independent of the server's other packages (logback and Agrona only); used by {@code
 * config} and {@code cli}.
 */
package dev.ztna.server.logging;
