package dev.ztna.server.tls;

import java.util.ArrayList;
import java.util.List;
import tech.kwik.agent15.NewSessionTicket;
import tech.kwik.agent15.engine.TlsStatusEventHandler;
import tech.kwik.agent15.extension.Extension;

/**
 * What a Kwik agent15 TLS client engine reports about its handshake: whether the handshake secrets
 * are known, whether it finished, and the extensions the server sent. Shared by the in-process QUIC
 * test client ({@code conn.TestClient}) and the TLS handshake tests.
 */
public final class Agent15ClientStatus implements TlsStatusEventHandler {
  private volatile boolean handshakeSecretsKnown;
  private volatile boolean finished;
  private final List<Extension> serverExtensions = new ArrayList<>();

  /** True once the engine derived the handshake secrets (the server's first flight is in). */
  public boolean hasHandshakeSecrets() {
    return handshakeSecretsKnown;
  }

  /** True once the client sent its Finished. */
  public boolean isFinished() {
    return finished;
  }

  /** The extensions of the server's EncryptedExtensions, in order. */
  public List<Extension> serverExtensions() {
    return serverExtensions;
  }

  @Override
  public void earlySecretsKnown() {}

  @Override
  public void handshakeSecretsKnown() {
    handshakeSecretsKnown = true;
  }

  @Override
  public void handshakeFinished() {
    finished = true;
  }

  @Override
  public void newSessionTicketReceived(NewSessionTicket ticket) {}

  @Override
  public void extensionsReceived(List<Extension> extensions) {
    serverExtensions.addAll(extensions);
  }

  @Override
  public boolean isEarlyDataAccepted() {
    return false;
  }
}
