package dev.ztna.server.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.cluster.lb.QuicLbDecoder;
import dev.ztna.server.conn.ConnectionIdGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code [quic_lb]} table: what it turns on, and that bad values name their key. */
class QuicLbSettingsTest {
  private static final String KEY_HEX = "8f95f09245765f80256934e50c66207f";
  private static final String TOKEN_KEY_HEX = "00112233445566778899aabbccddeeff".repeat(2);

  @TempDir Path tmp;

  private Path write(String name, String text) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  private Path privateFile(String name, String text) throws Exception {
    Path f = write(name, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  private ServerSettings load(String toml) throws Exception {
    return load(toml, Map.of());
  }

  private ServerSettings load(String toml, Map<Setting<?>, List<String>> flags) throws Exception {
    return new ConfigLoader(write("server.toml", toml), null, flags, tmp.resolve("certs")).load();
  }

  private String failure(String toml) {
    return assertThrows(ConfigException.class, () -> load(toml)).getMessage();
  }

  @Test
  void withoutTheTableNothingChanges() throws Exception {
    ServerSettings s = load("cid_length = 8\n");
    assertFalse(s.quicLb.enabled());
    assertNull(s.server.connectionIds);
    assertNull(s.server.retryTokenKey());
    assertEquals(8, s.server.cidLength);
  }

  @Test
  void encryptedConfigurationMintsCidsCarryingTheServerId() throws Exception {
    Path key = privateFile("lb.key", KEY_HEX + "\n");
    Path token =
        privateFile(
            "token.key", TOKEN_KEY_HEX.substring(0, 32) + "\n" + TOKEN_KEY_HEX.substring(32));
    ServerSettings s =
        load(
            "[quic_lb]\nserver_id = \"0a0b\"\nnonce_length = 8\nconfig_id = 3\nkey_file = \""
                + key
                + "\"\nretry_token_key_file = \""
                + token
                + "\"\n");
    assertTrue(s.quicLb.enabled());
    assertEquals(11, s.server.cidLength, "1 + 2 + 8");
    assertEquals(11, s.server.connectionIds.length());
    assertArrayEquals(HexFormat.of().parseHex(TOKEN_KEY_HEX), s.server.retryTokenKey());
    ConnectionIdGenerator ids = s.server.connectionIds.create(new SecureRandom());
    byte[] cid = new byte[11];
    ids.next(cid, 0);
    assertEquals(3, QuicLbDecoder.configIdOf(cid[0]));
    byte[] sid = new byte[2];
    assertEquals(2, new QuicLbDecoder(s.quicLb.config).serverId(cid, 0, 11, sid, 0));
    assertEquals("0a0b", HexFormat.of().formatHex(sid));
    assertEquals("aes-four-pass", s.quicLb.config.mode());
    assertFalse(s.describe().contains(KEY_HEX), "the key is never printed");
  }

  @Test
  void flagsWorkLikeTheTable() throws Exception {
    ServerSettings s =
        load(
            "",
            Map.of(
                Settings.QUIC_LB_SERVER_ID, List.of("07"),
                Settings.QUIC_LB_SERVER_ID_LENGTH, List.of("1"),
                Settings.QUIC_LB_NONCE_LENGTH, List.of("4")));
    assertEquals(6, s.server.cidLength);
    assertEquals("plaintext", s.quicLb.config.mode());
  }

  @Test
  void retryTokenKeyAloneIsAllowed() throws Exception {
    Path token = privateFile("token.key", TOKEN_KEY_HEX);
    ServerSettings s = load("[quic_lb]\nretry_token_key_file = \"" + token + "\"\n");
    assertFalse(s.quicLb.enabled());
    assertEquals(32, s.server.retryTokenKey().length);
  }

  @Test
  void badValuesNameTheirKey() throws Exception {
    assertTrue(
        failure("[quic_lb]\nserver_id = \"zz\"\n").contains("key 'quic_lb.server_id' must be"),
        "hex");
    assertTrue(
        failure("[quic_lb]\nserver_id = \"010203\"\n").contains("quic_lb.server_id_length = 2"),
        "length mismatch");
    assertTrue(
        failure("[quic_lb]\nserver_id = \"0102\"\nnonce_length = 18\n")
            .contains("key 'quic_lb.nonce_length'"),
        "sum over 19");
    assertTrue(
        failure("cid_length = 8\n[quic_lb]\nserver_id = \"0102\"\n")
            .contains("key 'cid_length' is 8 but QUIC-LB CIDs are"),
        "cid length disagrees");
    assertTrue(
        failure("[quic_lb]\nnonce_length = 8\n")
            .contains("key 'quic_lb.nonce_length' is only used with quic_lb.server_id"),
        "table without server id");
    assertTrue(
        failure("[quic_lb]\nserver_id = \"0102\"\nconfig_id = 7\n").contains("quic_lb.config_id"),
        "code point 7 is reserved");
  }

  @Test
  void keyFilesMustBePrivateAndWellFormed() throws Exception {
    Path open = write("open.key", KEY_HEX);
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    assertTrue(
        failure("[quic_lb]\nserver_id = \"0102\"\nkey_file = \"" + open + "\"\n")
            .contains("key 'quic_lb.key_file' '" + open + "' is accessible by group or others"));
    Path shortKey = privateFile("short.key", KEY_HEX.substring(2));
    assertTrue(
        failure("[quic_lb]\nserver_id = \"0102\"\nkey_file = \"" + shortKey + "\"\n")
            .contains("16-byte AES-128 key"));
    Path shortToken = privateFile("short-token.key", KEY_HEX);
    assertTrue(
        failure("[quic_lb]\nretry_token_key_file = \"" + shortToken + "\"\n")
            .contains("key 'quic_lb.retry_token_key_file'"));
    assertTrue(
        failure("[quic_lb]\nretry_token_key_file = \"" + tmp.resolve("missing") + "\"\n")
            .contains("does not exist"));
    Path notHex = privateFile("nothex.key", "not a key");
    assertTrue(
        failure("[quic_lb]\nserver_id = \"0102\"\nkey_file = \"" + notHex + "\"\n")
            .contains("hex digits"));
  }
}
