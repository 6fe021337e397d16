package dev.ztna.server.loop;

import dev.ztna.server.certs.ServerCredentials;
import java.io.IOException;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a server until SIGTERM or SIGINT, then stops it cleanly. Called by the command line. */
public final class ServerLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);

  private ServerLauncher() {}

  /**
   * Starts the server running {@code application}, blocks until a termination signal, stops the
   * loop and closes the sockets.
   *
   * @return the process exit code: 0 after a clean stop, 1 when the sockets could not be bound
   */
  public static int run(
      ServerConfig config, ServerCredentials credentials, Application application) {
    LOG.info("certificate: {}", credentials.describe());
    ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
    ZtnaServer server;
    try {
      server = ZtnaServer.start(config, credentials, application);
    } catch (IOException e) {
      LOG.error("cannot listen on {}: {}", config.listen, e.toString());
      return 1;
    }
    try {
      barrier.await();
      LOG.info("shutdown signal received, stopping");
    } finally {
      server.close();
    }
    return 0;
  }
}
