/**
 * Configuration: every server option is declared once as a {@link dev.ztna.server.config.Setting}
 * (TOML key, command-line flag, type, default, range, help) in {@link
 * dev.ztna.server.config.Settings}; the command line and the TOML file reader both work from those
 * declarations. {@link dev.ztna.server.config.ConfigLoader} merges defaults, the {@code --config}
 * file, the {@code --policy} file and command-line flags into an immutable {@link
 * dev.ztna.server.config.ServerSettings} (with the origin of every value), and {@link
 * dev.ztna.server.config.ConfigReloader} re-reads it on SIGHUP and publishes the new snapshot.
 *
 * <p>Layer: above {@code loop} and {@code relay} (it builds their {@link
 * dev.ztna.server.loop.ServerConfig}), {@code logging} and {@code cluster.lb} (the {@code
 * [quic_lb]} table), below {@code cli}. Never used on the loop thread.
 */
package dev.ztna.server.config;
