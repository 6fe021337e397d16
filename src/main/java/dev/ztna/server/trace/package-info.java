/**
 * Wire-level diagnostics kept as features (issue 12): the SSLKEYLOGFILE writer ({@link
 * dev.ztna.server.trace.KeyLogWriter}) and the per-connection qlog writer ({@link
 * dev.ztna.server.trace.QlogWriter}).
 *
 * <p>Both follow one rule: the loop thread only copies fixed-size records into an Agrona ring
 * buffer (no allocation, no formatting, no I/O; a full ring drops the record and counts it), and a
 * daemon writer thread formats and appends them to files.
 *
 * <p>Layer: after {@code conn} (implements {@link dev.ztna.server.tls.KeyLogSink} and {@link
 * dev.ztna.server.conn.QlogSink}), before {@code loop}, which creates them from the server
 * configuration.
 */
package dev.ztna.server.trace;
