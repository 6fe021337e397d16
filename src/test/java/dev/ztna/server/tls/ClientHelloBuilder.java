package dev.ztna.server.tls;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds ClientHello handshake messages by hand for negative, HRR and fuzz tests. */
final class ClientHelloBuilder {
  static final byte[] CLIENT_TP = {0x0f, 0x04, 1, 2, 3, 4, 0x01, 0x02, 0x43, (byte) 0xe8};

  int legacyVersion = 0x0303;
  byte[] random = new byte[32];
  byte[] sessionId = new byte[0];
  int[] cipherSuites = {0x1301, 0x1302, 0x1303};
  byte[] compression = {0};
  int[] versions = {0x0304};
  int[] groups = {0x001d, 0x0017};
  final Map<Integer, byte[]> keyShares = new LinkedHashMap<>();
  int[] signatureAlgorithms = {0x0804, 0x0403};
  List<String> alpn = new ArrayList<>(List.of("ztna-v1"));
  byte[] transportParameters = CLIENT_TP.clone();

  /** Extra extensions (type, body), written before the standard ones. */
  final List<Object[]> extra = new ArrayList<>();

  boolean omitVersions;
  boolean omitGroups;
  boolean omitKeyShare;
  boolean omitSignatureAlgorithms;
  boolean omitAlpn;

  /** Appended last (it must be last): a dummy pre_shared_key offer. */
  boolean offerPsk;

  ClientHelloBuilder keyShare(int group, byte[] key) {
    keyShares.put(group, key);
    return this;
  }

  ClientHelloBuilder extension(int type, byte[] body) {
    extra.add(new Object[] {type, body});
    return this;
  }

  private static void u8(ByteArrayOutputStream o, int v) {
    o.write(v);
  }

  private static void u16(ByteArrayOutputStream o, int v) {
    o.write(v >>> 8);
    o.write(v);
  }

  private static void ext(ByteArrayOutputStream o, int type, byte[] body) {
    u16(o, type);
    u16(o, body.length);
    o.writeBytes(body);
  }

  private static byte[] u16List(int[] vals, int prefixBytes) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    if (prefixBytes == 1) {
      u8(o, vals.length * 2);
    } else {
      u16(o, vals.length * 2);
    }
    for (int v : vals) {
      u16(o, v);
    }
    return o.toByteArray();
  }

  byte[] build() {
    ByteArrayOutputStream exts = new ByteArrayOutputStream();
    for (Object[] e : extra) {
      ext(exts, (Integer) e[0], (byte[]) e[1]);
    }
    if (!omitVersions) {
      ext(exts, 43, u16List(versions, 1));
    }
    if (!omitGroups) {
      ext(exts, 10, u16List(groups, 2));
    }
    if (!omitSignatureAlgorithms) {
      ext(exts, 13, u16List(signatureAlgorithms, 2));
    }
    if (!omitKeyShare) {
      ByteArrayOutputStream ks = new ByteArrayOutputStream();
      for (Map.Entry<Integer, byte[]> e : keyShares.entrySet()) {
        u16(ks, e.getKey());
        u16(ks, e.getValue().length);
        ks.writeBytes(e.getValue());
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      u16(body, ks.size());
      body.writeBytes(ks.toByteArray());
      ext(exts, 51, body.toByteArray());
    }
    if (!omitAlpn) {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      for (String p : alpn) {
        byte[] b = p.getBytes(StandardCharsets.US_ASCII);
        u8(list, b.length);
        list.writeBytes(b);
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      u16(body, list.size());
      body.writeBytes(list.toByteArray());
      ext(exts, 16, body.toByteArray());
    }
    if (transportParameters != null) {
      ext(exts, 0x39, transportParameters);
    }
    if (offerPsk) {
      ext(exts, 45, new byte[] {1, 1});
      // identities: one identity of 4 bytes + ticket age; binders: one 32-byte binder
      ByteArrayOutputStream psk = new ByteArrayOutputStream();
      u16(psk, 2 + 4 + 4);
      u16(psk, 4);
      psk.writeBytes(new byte[] {9, 9, 9, 9});
      psk.writeBytes(new byte[4]);
      u16(psk, 33);
      u8(psk, 32);
      psk.writeBytes(new byte[32]);
      ext(exts, 41, psk.toByteArray());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    u16(body, legacyVersion);
    body.writeBytes(random);
    u8(body, sessionId.length);
    body.writeBytes(sessionId);
    u16(body, cipherSuites.length * 2);
    for (int c : cipherSuites) {
      u16(body, c);
    }
    u8(body, compression.length);
    body.writeBytes(compression);
    u16(body, exts.size());
    body.writeBytes(exts.toByteArray());
    ByteArrayOutputStream msg = new ByteArrayOutputStream();
    u8(msg, 1);
    int n = body.size();
    u8(msg, n >>> 16);
    u8(msg, n >>> 8);
    u8(msg, n);
    msg.writeBytes(body.toByteArray());
    return msg.toByteArray();
  }
}
