package dev.ztna.server.loop;

import dev.ztna.server.certs.ServerCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the server; placeholder until the duty cycle is wired in. */
public final class ServerLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);

  private ServerLauncher() {}

  /** Runs the server until shutdown and returns the process exit code. */
  public static int run(ServerConfig config, ServerCredentials credentials) {
    LOG.warn("not wired: {} listen addresses, credentials {}", config.listen.size(), credentials);
    return 0;
  }
}
