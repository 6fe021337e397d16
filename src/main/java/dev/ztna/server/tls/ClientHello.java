package dev.ztna.server.tls;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A parsed TLS 1.3 ClientHello (RFC 8446 §4.1.2). {@link #parse} checks the syntax of the message
 * and of the extensions the server uses; everything else (unknown extensions, GREASE values per RFC
 * 8701, unknown cipher suites/groups/schemes) is skipped. Semantic negotiation lives in {@link
 * TlsServerHandshake}. Handshake-time only: parsing allocates.
 */
final class ClientHello {
  static final int EXT_SERVER_NAME = 0;
  static final int EXT_SUPPORTED_GROUPS = 10;
  static final int EXT_SIGNATURE_ALGORITHMS = 13;
  static final int EXT_ALPN = 16;
  static final int EXT_PRE_SHARED_KEY = 41;
  static final int EXT_EARLY_DATA = 42;
  static final int EXT_SUPPORTED_VERSIONS = 43;
  static final int EXT_COOKIE = 44;
  static final int EXT_PSK_KEY_EXCHANGE_MODES = 45;
  static final int EXT_KEY_SHARE = 51;
  static final int EXT_QUIC_TRANSPORT_PARAMETERS = 0x39;

  static final int TLS13 = 0x0304;

  int legacyVersion;
  final byte[] random = new byte[32];
  byte[] sessionId;
  int[] cipherSuites = new int[0];

  boolean hasSupportedVersions;
  boolean offersTls13;
  boolean hasSupportedGroups;
  int[] supportedGroups = new int[0];
  boolean hasKeyShare;

  /**
   * Key share entries: group and the [offset, offset+length) of key_exchange in {@link #message}.
   */
  int keyShareCount;

  int[] keyShareGroups = new int[0];
  int[] keyShareOffsets = new int[0];
  int[] keyShareLengths = new int[0];
  boolean hasSignatureAlgorithms;
  int[] signatureAlgorithms = new int[0];
  boolean hasAlpn;
  final List<byte[]> alpn = new ArrayList<>();
  byte[] transportParameters;
  boolean offersEarlyData;
  boolean offersPsk;
  boolean hasPskKeyExchangeModes;

  /** The whole handshake message including its 4-byte header. */
  byte[] message;

  private int pos;
  private int end;

  /**
   * Parses a complete ClientHello handshake message (type, u24 length, body) held in {@code msg}.
   *
   * @return 0, or a TLS alert description
   */
  int parse(byte[] msg) {
    message = msg;
    pos = 4;
    end = msg.length;
    if (end < 4 || (msg[0] & 0xff) != 1) {
      return TlsAlert.DECODE_ERROR;
    }
    if (remaining() < 2 + 32 + 1) {
      return TlsAlert.DECODE_ERROR;
    }
    legacyVersion = u16();
    System.arraycopy(msg, pos, random, 0, 32);
    pos += 32;
    int sidLen = u8();
    if (sidLen > 32 || remaining() < sidLen) {
      return TlsAlert.DECODE_ERROR;
    }
    sessionId = new byte[sidLen];
    System.arraycopy(msg, pos, sessionId, 0, sidLen);
    pos += sidLen;

    if (remaining() < 2) {
      return TlsAlert.DECODE_ERROR;
    }
    int csLen = u16();
    if (csLen < 2 || (csLen & 1) != 0 || remaining() < csLen) {
      return TlsAlert.DECODE_ERROR;
    }
    cipherSuites = new int[csLen / 2];
    for (int i = 0; i < cipherSuites.length; i++) {
      cipherSuites[i] = u16();
    }

    if (remaining() < 1) {
      return TlsAlert.DECODE_ERROR;
    }
    int cmLen = u8();
    if (cmLen < 1 || remaining() < cmLen) {
      return TlsAlert.DECODE_ERROR;
    }
    // RFC 8446 §4.1.2: legacy_compression_methods must be exactly one zero byte.
    if (cmLen != 1 || message[pos] != 0) {
      return TlsAlert.ILLEGAL_PARAMETER;
    }
    pos += cmLen;

    if (remaining() == 0) {
      // No extensions at all: a pre-TLS 1.3 client (no supported_versions).
      return 0;
    }
    if (remaining() < 2) {
      return TlsAlert.DECODE_ERROR;
    }
    int extLen = u16();
    if (extLen != remaining()) {
      return TlsAlert.DECODE_ERROR;
    }
    BitSet seen = new BitSet(65536);
    while (pos < end) {
      if (remaining() < 4) {
        return TlsAlert.DECODE_ERROR;
      }
      int type = u16();
      int len = u16();
      if (len > remaining()) {
        return TlsAlert.DECODE_ERROR;
      }
      // RFC 8446 §4.2: no two extensions of the same type.
      if (seen.get(type)) {
        return TlsAlert.ILLEGAL_PARAMETER;
      }
      seen.set(type);
      int bodyEnd = pos + len;
      int alert = parseExtension(type, pos, len);
      if (alert != 0) {
        return alert;
      }
      pos = bodyEnd;
      // RFC 8446 §4.2.11: pre_shared_key must be the last extension.
      if (type == EXT_PRE_SHARED_KEY && pos != end) {
        return TlsAlert.ILLEGAL_PARAMETER;
      }
    }
    return 0;
  }

  private int parseExtension(int type, int off, int len) {
    byte[] m = message;
    switch (type) {
      case EXT_SUPPORTED_VERSIONS:
        {
          // ProtocolVersion versions<2..254>
          if (len < 1) {
            return TlsAlert.DECODE_ERROR;
          }
          int n = m[off] & 0xff;
          if (n != len - 1 || n < 2 || (n & 1) != 0) {
            return TlsAlert.DECODE_ERROR;
          }
          hasSupportedVersions = true;
          for (int i = 0; i < n; i += 2) {
            if (readU16(m, off + 1 + i) == TLS13) {
              offersTls13 = true;
            }
          }
          return 0;
        }
      case EXT_SUPPORTED_GROUPS:
        {
          int[] list = u16List(off, len);
          if (list == null) {
            return TlsAlert.DECODE_ERROR;
          }
          hasSupportedGroups = true;
          supportedGroups = list;
          return 0;
        }
      case EXT_SIGNATURE_ALGORITHMS:
        {
          int[] list = u16List(off, len);
          if (list == null) {
            return TlsAlert.DECODE_ERROR;
          }
          hasSignatureAlgorithms = true;
          signatureAlgorithms = list;
          return 0;
        }
      case EXT_KEY_SHARE:
        return parseKeyShare(off, len);
      case EXT_ALPN:
        return parseAlpn(off, len);
      case EXT_QUIC_TRANSPORT_PARAMETERS:
        transportParameters = new byte[len];
        System.arraycopy(m, off, transportParameters, 0, len);
        return 0;
      case EXT_EARLY_DATA:
        // Offered 0-RTT is simply not accepted (RFC 8446 §4.2.10): the server omits early_data.
        offersEarlyData = true;
        return 0;
      case EXT_PRE_SHARED_KEY:
        // No resumption: the offer is ignored and a full handshake follows (RFC 8446 §4.2.11).
        offersPsk = true;
        return 0;
      case EXT_PSK_KEY_EXCHANGE_MODES:
        {
          if (len < 2 || (m[off] & 0xff) != len - 1) {
            return TlsAlert.DECODE_ERROR;
          }
          hasPskKeyExchangeModes = true;
          return 0;
        }
      default:
        return 0;
    }
  }

  /** KeyShareEntry client_shares<0..2^16-1>; each entry: group u16, key_exchange<1..2^16-1>. */
  private int parseKeyShare(int off, int len) {
    byte[] m = message;
    if (len < 2 || readU16(m, off) != len - 2) {
      return TlsAlert.DECODE_ERROR;
    }
    int p = off + 2;
    int e = off + len;
    int count = 0;
    int[] groups = new int[4];
    int[] offs = new int[4];
    int[] lens = new int[4];
    while (p < e) {
      if (e - p < 4) {
        return TlsAlert.DECODE_ERROR;
      }
      int group = readU16(m, p);
      int kl = readU16(m, p + 2);
      p += 4;
      if (kl < 1 || kl > e - p) {
        return TlsAlert.DECODE_ERROR;
      }
      // RFC 8446 §4.2.8: clients must not offer two shares for the same group.
      for (int i = 0; i < count; i++) {
        if (groups[i] == group) {
          return TlsAlert.ILLEGAL_PARAMETER;
        }
      }
      if (count == groups.length) {
        groups = java.util.Arrays.copyOf(groups, count * 2);
        offs = java.util.Arrays.copyOf(offs, count * 2);
        lens = java.util.Arrays.copyOf(lens, count * 2);
      }
      groups[count] = group;
      offs[count] = p;
      lens[count] = kl;
      count++;
      p += kl;
    }
    hasKeyShare = true;
    keyShareCount = count;
    keyShareGroups = groups;
    keyShareOffsets = offs;
    keyShareLengths = lens;
    return 0;
  }

  /** ProtocolName protocol_name_list<2..2^16-1>; ProtocolName opaque<1..2^8-1> (RFC 7301 §3.1). */
  private int parseAlpn(int off, int len) {
    byte[] m = message;
    if (len < 2 || readU16(m, off) != len - 2 || len - 2 < 2) {
      return TlsAlert.DECODE_ERROR;
    }
    int p = off + 2;
    int e = off + len;
    while (p < e) {
      int n = m[p++] & 0xff;
      if (n == 0 || n > e - p) {
        return TlsAlert.DECODE_ERROR;
      }
      byte[] name = new byte[n];
      System.arraycopy(m, p, name, 0, n);
      alpn.add(name);
      p += n;
    }
    hasAlpn = true;
    return 0;
  }

  /** A u16-length-prefixed list of u16 values, at least one; null when malformed. */
  private int[] u16List(int off, int len) {
    if (len < 2) {
      return null;
    }
    int n = readU16(message, off);
    if (n != len - 2 || n < 2 || (n & 1) != 0) {
      return null;
    }
    int[] out = new int[n / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = readU16(message, off + 2 + 2 * i);
    }
    return out;
  }

  boolean offersCipherSuite(int code) {
    return contains(cipherSuites, cipherSuites.length, code);
  }

  boolean supportsGroup(int group) {
    return contains(supportedGroups, supportedGroups.length, group);
  }

  boolean offersSignatureScheme(int scheme) {
    return contains(signatureAlgorithms, signatureAlgorithms.length, scheme);
  }

  /** Index of the key share for {@code group}, or -1. */
  int keyShareIndex(int group) {
    for (int i = 0; i < keyShareCount; i++) {
      if (keyShareGroups[i] == group) {
        return i;
      }
    }
    return -1;
  }

  private static boolean contains(int[] a, int n, int v) {
    for (int i = 0; i < n; i++) {
      if (a[i] == v) {
        return true;
      }
    }
    return false;
  }

  private int remaining() {
    return end - pos;
  }

  private int u8() {
    return message[pos++] & 0xff;
  }

  private int u16() {
    int v = readU16(message, pos);
    pos += 2;
    return v;
  }

  static int readU16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }
}
