package dev.ztna.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One TOML file read through Jackson's TOML module ({@code jackson-dataformat-toml}) and checked
 * against the {@link Settings} declarations: unknown keys, wrong types and out-of-range values are
 * {@link ConfigException}s naming the file and the key. Syntax errors (and duplicate keys) name the
 * line, which the TOML parser reports; the parsed tree has no positions, so errors found after
 * parsing name the key only.
 */
final class TomlConfigFile {
  private static final TomlMapper MAPPER =
      TomlMapper.builder()
          // Dates and times become Java time values (so that they are rejected as a wrong type)
          // rather than strings.
          .enable(TomlReadFeature.PARSE_JAVA_TIME)
          .build();

  final Path file;

  /** The settings the file gives, in file order. */
  final Map<Setting<?>, Object> values;

  /** The {@code [[service]]} tables, or {@code null} when the file has none. */
  final List<ServicePolicy> services;

  private TomlConfigFile(Path file, Map<Setting<?>, Object> values, List<ServicePolicy> services) {
    this.file = file;
    this.values = values;
    this.services = services;
  }

  /**
   * Reads {@code file}. With {@code policyOnly} only {@code [[service]]} tables are allowed (the
   * {@code --policy} file).
   */
  static TomlConfigFile read(Path file, boolean policyOnly) {
    String where = (policyOnly ? "policy file " : "config file ") + file;
    JsonNode root;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readAllBytes();
      root = MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      String line = at != null && at.getLineNr() > 0 ? ", line " + at.getLineNr() : "";
      throw new ConfigException(where + line + ": " + e.getOriginalMessage(), e);
    } catch (NoSuchFileException e) {
      throw new ConfigException(where + " does not exist", e);
    } catch (IOException e) {
      throw new ConfigException("cannot read " + where + ": " + e, e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new TomlConfigFile(file, Map.of(), null);
    }
    Map<Setting<?>, Object> values = new LinkedHashMap<>();
    List<ServicePolicy> services = null;
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals(Settings.SERVICE_KEY)) {
        services = services(where, field.getValue());
      } else if (policyOnly) {
        throw new ConfigException(
            where
                + ": unknown key '"
                + field.getKey()
                + "' (a policy file holds only [[service]] tables)");
      } else {
        walk(where, "", field.getKey(), field.getValue(), values);
      }
    }
    return new TomlConfigFile(file, values, services);
  }

  private static void walk(
      String where, String prefix, String name, JsonNode node, Map<Setting<?>, Object> out) {
    String key = prefix.isEmpty() ? name : prefix + "." + name;
    Setting<?> setting = Settings.byKey(key);
    if (setting != null) {
      try {
        out.put(setting, setting.type.fromToml(node));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ": key '" + key + "' " + e.getMessage(), e);
      }
      return;
    }
    if (Settings.isTable(key)) {
      if (!node.isObject()) {
        throw new ConfigException(
            where + ": key '" + key + "' must be a table, got " + ValueType.tomlType(node));
      }
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        walk(where, key, field.getKey(), field.getValue(), out);
      }
      return;
    }
    throw new ConfigException(where + ": unknown key '" + key + "'");
  }

  // ---------------------------------------------------------------------------------------------
  // [[service]]

  private static List<ServicePolicy> services(String where, JsonNode node) {
    if (!node.isArray()) {
      throw new ConfigException(
          where
              + ": key 'service' must be an array of tables ([[service]]), got "
              + ValueType.tomlType(node));
    }
    List<ServicePolicy> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    int index = 0;
    for (JsonNode table : node) {
      String key = "service[" + index + "]";
      if (!table.isObject()) {
        throw new ConfigException(
            where + ": key '" + key + "' must be a table, got " + ValueType.tomlType(table));
      }
      String id = null;
      List<String> connectors = List.of();
      List<String> agents = List.of();
      for (Map.Entry<String, JsonNode> field : table.properties()) {
        String k = key + "." + field.getKey();
        JsonNode v = field.getValue();
        switch (field.getKey()) {
          case "id":
            id = serviceId(where, k, v);
            break;
          case "connectors":
            connectors = patterns(where, k, v);
            break;
          case "agents":
            agents = patterns(where, k, v);
            break;
          default:
            throw new ConfigException(
                where + ": unknown key '" + k + "' (a service has id, connectors, agents)");
        }
      }
      if (id == null) {
        throw new ConfigException(where + ": key '" + key + ".id' is missing");
      }
      Integer earlier = seen.putIfAbsent(id, index);
      if (earlier != null) {
        throw new ConfigException(
            where
                + ": key '"
                + key
                + ".id': service '"
                + id
                + "' is already listed as service["
                + earlier
                + "]");
      }
      out.add(new ServicePolicy(id, connectors, agents));
      index++;
    }
    return List.copyOf(out);
  }

  private static String serviceId(String where, String key, JsonNode v) {
    if (!v.isTextual()) {
      throw new ConfigException(
          where + ": key '" + key + "' must be a string, got " + ValueType.tomlType(v));
    }
    String id = v.asText();
    int bytes = id.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < 1 || bytes > 255) {
      throw new ConfigException(
          where + ": key '" + key + "' must be 1..255 UTF-8 bytes, got " + bytes);
    }
    return id;
  }

  private static List<String> patterns(String where, String key, JsonNode v) {
    if (!v.isArray()) {
      throw new ConfigException(
          where
              + ": key '"
              + key
              + "' must be an array of identity patterns, got "
              + ValueType.tomlType(v));
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    for (JsonNode p : v) {
      String k = key + "[" + i++ + "]";
      if (!p.isTextual()) {
        throw new ConfigException(
            where + ": key '" + k + "' must be a string, got " + ValueType.tomlType(p));
      }
      String problem = patternProblem(p.asText());
      if (problem != null) {
        throw new ConfigException(where + ": key '" + k + "' " + problem);
      }
      out.add(p.asText());
    }
    return out;
  }

  /**
   * Why {@code pattern} is not a valid identity pattern, or {@code null}: {@code *} and {@code **}
   * must be whole {@code /}-separated segments, {@code **} only the last.
   */
  static String patternProblem(String pattern) {
    if (pattern.isEmpty()) {
      return "must not be empty";
    }
    String[] segments = pattern.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.indexOf('*') < 0 || s.equals("*")) {
        continue;
      }
      if (s.equals("**") && i == segments.length - 1) {
        continue;
      }
      return "'"
          + pattern
          + "': '*' must be a whole segment (one segment) and '**' the last segment (any"
          + " suffix)";
    }
    return null;
  }
}
