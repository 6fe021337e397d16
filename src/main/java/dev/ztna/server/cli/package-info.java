/**
 * Command-line entry point: parses options (picocli) into a {@link
 * dev.ztna.server.loop.ServerConfig}, loads or generates the TLS credentials and starts the server
 * through {@link dev.ztna.server.loop.ServerLauncher}.
 *
 * <p>Layer: the top; may depend on every other package of {@code dev.ztna.server}.
 */
package dev.ztna.server.cli;
