package dev.ztna.server.config;

import dev.ztna.server.cluster.lb.QuicLbConfig;
import dev.ztna.server.cluster.lb.QuicLbConnectionIds;
import dev.ztna.server.conn.ConnectionIdGenerator;
import dev.ztna.server.loop.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code [quic_lb]} table (issue 11 §3): this node's QUIC-LB server ID and the configuration
 * every node and the load balancer share (draft-ietf-quic-load-balancers-21), and the Retry token
 * key file shared by the nodes. QUIC-LB is on exactly when {@code quic_lb.server_id} is set; the
 * token key file may be used alone. Keys come only from files that neither group nor others may
 * read (an inline key would be printed by {@code --check-config}); a file holds the key as hex
 * digits, whitespace ignored.
 */
public final class QuicLbSettings {
  /** The shared configuration; {@code null} when QUIC-LB is off. */
  public final QuicLbConfig config;

  /** This node's server ID ({@link QuicLbConfig#serverIdLength()} bytes); null when off. */
  private final byte[] serverId;

  /** The shared Retry token key; null: each process makes its own. */
  private final byte[] retryTokenKey;

  private QuicLbSettings(QuicLbConfig config, byte[] serverId, byte[] retryTokenKey) {
    this.config = config;
    this.serverId = serverId;
    this.retryTokenKey = retryTokenKey;
  }

  /** Reads and checks the table; throws {@link ConfigException} naming the key of a problem. */
  static QuicLbSettings from(ConfigValues v) {
    byte[] tokenKey = null;
    Path tokenKeyFile = v.get(Settings.RETRY_TOKEN_KEY_FILE);
    if (tokenKeyFile != null) {
      tokenKey = readKey(v, Settings.RETRY_TOKEN_KEY_FILE, tokenKeyFile);
      if (tokenKey.length < 32) {
        throw error(
            v,
            Settings.RETRY_TOKEN_KEY_FILE,
            "'"
                + tokenKeyFile
                + "' must hold at least 32 bytes (64 hex digits), got "
                + tokenKey.length);
      }
    }
    String sidHex = v.get(Settings.QUIC_LB_SERVER_ID);
    if (sidHex == null) {
      for (Setting<?> s :
          new Setting<?>[] {
            Settings.QUIC_LB_SERVER_ID_LENGTH,
            Settings.QUIC_LB_NONCE_LENGTH,
            Settings.QUIC_LB_CONFIG_ID,
            Settings.QUIC_LB_KEY_FILE
          }) {
        // A value at its default is harmless (--check-config prints every default explicitly).
        if (!Objects.equals(v.get(s), s.defaultValue)) {
          throw error(v, s, "is only used with quic_lb.server_id, which is unset");
        }
      }
      return new QuicLbSettings(null, null, tokenKey);
    }
    byte[] sid = hex(v, Settings.QUIC_LB_SERVER_ID, sidHex);
    int sidLength = v.get(Settings.QUIC_LB_SERVER_ID_LENGTH);
    if (sid.length != sidLength) {
      throw error(
          v,
          Settings.QUIC_LB_SERVER_ID,
          "must be quic_lb.server_id_length = "
              + sidLength
              + " bytes ("
              + 2 * sidLength
              + " hex digits), got "
              + sid.length);
    }
    int nonceLength = v.get(Settings.QUIC_LB_NONCE_LENGTH);
    if (sidLength + nonceLength > 19) {
      throw error(
          v,
          Settings.QUIC_LB_NONCE_LENGTH,
          "quic_lb.server_id_length + quic_lb.nonce_length must be at most 19 (a QUIC v1 CID is at"
              + " most 20 bytes with the first octet), got "
              + (sidLength + nonceLength));
    }
    byte[] key = null;
    Path keyFile = v.get(Settings.QUIC_LB_KEY_FILE);
    if (keyFile != null) {
      key = readKey(v, Settings.QUIC_LB_KEY_FILE, keyFile);
      if (key.length != QuicLbConfig.KEY_LENGTH) {
        throw error(
            v,
            Settings.QUIC_LB_KEY_FILE,
            "'" + keyFile + "' must hold a 16-byte AES-128 key (32 hex digits), got " + key.length);
      }
    }
    QuicLbConfig config =
        new QuicLbConfig(v.get(Settings.QUIC_LB_CONFIG_ID), sidLength, nonceLength, key, true);
    int cidLength = v.get(Settings.CID_LENGTH);
    if (v.entry(Settings.CID_LENGTH).origin != Origin.DEFAULT && cidLength != config.cidLength()) {
      throw error(
          v,
          Settings.CID_LENGTH,
          "is "
              + cidLength
              + " but QUIC-LB CIDs are 1 + quic_lb.server_id_length + quic_lb.nonce_length = "
              + config.cidLength()
              + " bytes; leave cid_length unset or make them agree");
    }
    return new QuicLbSettings(config, sid, tokenKey);
  }

  /** Whether QUIC-LB connection IDs are on. */
  public boolean enabled() {
    return config != null;
  }

  /** This node's server ID as hex, or null. */
  public String serverIdHex() {
    return serverId == null ? null : HexFormat.of().formatHex(serverId);
  }

  /** The shared Retry token key (a copy), or null. */
  public byte[] retryTokenKey() {
    return retryTokenKey == null ? null : retryTokenKey.clone();
  }

  /** The loop's connection ID scheme, or null when QUIC-LB is off. */
  public ServerConfig.ConnectionIdScheme scheme() {
    if (config == null) {
      return null;
    }
    QuicLbConfig c = config;
    byte[] sid = serverId.clone();
    String description = c + ", server id " + serverIdHex();
    return new ServerConfig.ConnectionIdScheme() {
      @Override
      public int length() {
        return c.cidLength();
      }

      @Override
      public ConnectionIdGenerator create(SecureRandom random) {
        return new QuicLbConnectionIds(c, sid, random);
      }

      @Override
      public String toString() {
        return description;
      }
    };
  }

  private static byte[] hex(ConfigValues v, Setting<?> s, String text) {
    String t = text.strip();
    if (t.startsWith("0x") || t.startsWith("0X")) {
      t = t.substring(2);
    }
    try {
      byte[] b = HexFormat.of().parseHex(t);
      if (b.length == 0) {
        throw new IllegalArgumentException("empty");
      }
      return b;
    } catch (IllegalArgumentException e) {
      throw error(v, s, "must be an even number of hex digits, got '" + text + "'");
    }
  }

  /**
   * A key file: a regular file neither group nor others may access (on POSIX file systems), holding
   * hex digits.
   */
  private static byte[] readKey(ConfigValues v, Setting<?> s, Path file) {
    String text;
    try {
      if (!Files.isRegularFile(file)) {
        throw error(v, s, "'" + file + "' does not exist or is not a regular file");
      }
      PosixFileAttributeView posix =
          Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (posix != null) {
        Set<PosixFilePermission> p = posix.readAttributes().permissions();
        for (PosixFilePermission bad :
            new PosixFilePermission[] {
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_WRITE,
              PosixFilePermission.OTHERS_EXECUTE
            }) {
          if (p.contains(bad)) {
            throw error(
                v,
                s,
                "'" + file + "' is accessible by group or others; make it private (chmod 600)");
          }
        }
      }
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw error(v, s, "'" + file + "' cannot be read: " + e.getMessage());
    }
    String digits = text.replaceAll("\\s+", "");
    try {
      return HexFormat.of().parseHex(digits);
    } catch (IllegalArgumentException e) {
      throw error(v, s, "'" + file + "' must hold the key as hex digits");
    }
  }

  private static ConfigException error(ConfigValues v, Setting<?> s, String message) {
    ConfigValues.Entry e = v.entry(s);
    if (e.origin == Origin.FLAG && s.flag != null) {
      return new ConfigException(s.flag + " " + message);
    }
    String where = e.file != null ? "config file " + e.file : "configuration";
    return new ConfigException(where + ": key '" + s.key + "' " + message);
  }
}
