package dev.ztna.server.tls;

import dev.ztna.server.crypto.CipherSuite;
import java.io.ByteArrayOutputStream;
import java.util.EnumMap;
import java.util.Map;

/** A {@link TlsListener} that records everything the server emits. */
class RecordingListener implements TlsListener {
  static final byte[] SERVER_TP = {0x0f, 0x04, 9, 8, 7, 6, 0x01, 0x02, 0x43, (byte) 0xe8};

  final Map<EncryptionLevel, ByteArrayOutputStream> out = new EnumMap<>(EncryptionLevel.class);
  final Map<EncryptionLevel, byte[][]> secrets = new EnumMap<>(EncryptionLevel.class);
  CipherSuite suite;
  byte[] clientTp;
  byte[] serverTp = SERVER_TP.clone();
  int completeCount;
  int tpCalls;

  @Override
  public byte[] onClientTransportParameters(byte[] clientParameters) {
    tpCalls++;
    clientTp = clientParameters;
    return serverTp;
  }

  @Override
  public void onHandshakeData(EncryptionLevel level, byte[] data, int off, int len) {
    out.computeIfAbsent(level, l -> new ByteArrayOutputStream()).write(data, off, len);
  }

  @Override
  public void onSecrets(
      EncryptionLevel level, CipherSuite suite, byte[] clientSecret, byte[] serverSecret) {
    this.suite = suite;
    secrets.put(level, new byte[][] {clientSecret, serverSecret});
  }

  @Override
  public void onHandshakeComplete() {
    completeCount++;
  }

  /** Takes (and clears) what was emitted at a level. */
  byte[] take(EncryptionLevel level) {
    ByteArrayOutputStream o = out.get(level);
    if (o == null) {
      return new byte[0];
    }
    byte[] b = o.toByteArray();
    o.reset();
    return b;
  }
}
