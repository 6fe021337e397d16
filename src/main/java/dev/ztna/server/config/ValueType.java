package dev.ztna.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How one kind of setting value is read from a command-line string and from a TOML node, checked
 * and written back as TOML. Errors are {@link IllegalArgumentException}s whose message reads after
 * the key or flag name, e.g. {@code "must be 1..65535, got 0"}.
 *
 * @param <T> the value's Java type
 */
public interface ValueType<T> {
  /** The value from the command line; {@code texts} holds one string unless {@link #repeatable}. */
  T fromCli(List<String> texts);

  /** The value from a TOML node (Jackson's tree of the file). */
  T fromToml(JsonNode node);

  /** The value as a TOML literal. */
  String toToml(T value);

  /** Whether the command-line flag may be given more than once (the values form a list). */
  default boolean repeatable() {
    return false;
  }

  /** What a value looks like, for messages: "an integer", "a string", ... */
  String expected();

  // -----------------------------------------------------------------------------------------------

  /** A TOML type name for error messages. */
  static String tomlType(JsonNode node) {
    if (node.isIntegralNumber()) {
      return "an integer";
    }
    if (node.isNumber()) {
      return "a float";
    }
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isArray()) {
      return "an array";
    }
    if (node.isObject()) {
      return "a table";
    }
    return "a date/time";
  }

  /** An IllegalArgumentException for a value of the wrong TOML type. */
  static IllegalArgumentException wrongType(ValueType<?> type, JsonNode node) {
    // A date/time is a POJO node whose toString() would need Jackson's Java-time module.
    String text = node.isPojo() ? String.valueOf(((POJONode) node).getPojo()) : node.toString();
    return new IllegalArgumentException(
        "must be " + type.expected() + ", got " + tomlType(node) + " (" + text + ")");
  }

  /** An integer in {@code min..max}. */
  static ValueType<Long> longRange(long min, long max) {
    return new LongRange(min, max);
  }

  /** An int in {@code min..max}. */
  static ValueType<Integer> intRange(int min, int max) {
    LongRange range = new LongRange(min, max);
    return new ValueType<>() {
      @Override
      public Integer fromCli(List<String> texts) {
        return range.fromCli(texts).intValue();
      }

      @Override
      public Integer fromToml(JsonNode node) {
        return range.fromToml(node).intValue();
      }

      @Override
      public String toToml(Integer value) {
        return value.toString();
      }

      @Override
      public String expected() {
        return range.expected();
      }
    };
  }

  /** A number in {@code 0..1} (TOML integer or float). */
  static ValueType<Double> fraction() {
    return new ValueType<>() {
      @Override
      public Double fromCli(List<String> texts) {
        try {
          return check(Double.parseDouble(texts.get(0)));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("must be " + expected() + ", got " + texts.get(0), e);
        }
      }

      @Override
      public Double fromToml(JsonNode node) {
        if (!node.isNumber()) {
          throw wrongType(this, node);
        }
        return check(node.asDouble());
      }

      private Double check(double v) {
        if (!(v >= 0 && v <= 1)) {
          throw new IllegalArgumentException("must be " + expected() + ", got " + v);
        }
        return v;
      }

      @Override
      public String toToml(Double value) {
        return value.toString();
      }

      @Override
      public String expected() {
        return "a number in 0..1";
      }
    };
  }

  /** One of a fixed set of names (case-insensitive), each naming a constant. */
  static <E> ValueType<E> choice(Map<String, E> names) {
    return new Choice<>(names);
  }

  /** A non-empty string. */
  static ValueType<String> string() {
    return new ValueType<>() {
      @Override
      public String fromCli(List<String> texts) {
        return check(texts.get(0));
      }

      @Override
      public String fromToml(JsonNode node) {
        if (!node.isTextual()) {
          throw wrongType(this, node);
        }
        return check(node.asText());
      }

      private String check(String s) {
        if (s.isEmpty()) {
          throw new IllegalArgumentException("must not be empty");
        }
        return s;
      }

      @Override
      public String toToml(String value) {
        return quote(value);
      }

      @Override
      public String expected() {
        return "a string";
      }
    };
  }

  /** A file path (a non-empty string). */
  static ValueType<Path> path() {
    ValueType<String> s = string();
    return new ValueType<>() {
      @Override
      public Path fromCli(List<String> texts) {
        return Path.of(s.fromCli(texts));
      }

      @Override
      public Path fromToml(JsonNode node) {
        if (!node.isTextual()) {
          throw wrongType(this, node);
        }
        return Path.of(s.fromToml(node));
      }

      @Override
      public String toToml(Path value) {
        return quote(value.toString());
      }

      @Override
      public String expected() {
        return "a path string";
      }
    };
  }

  /** One {@code HOST:PORT} address (a TOML string). */
  static ValueType<InetSocketAddress> address() {
    ValueType<String> str = string();
    return new ValueType<>() {
      @Override
      public InetSocketAddress fromCli(List<String> texts) {
        return parseOne(str.fromCli(texts));
      }

      @Override
      public InetSocketAddress fromToml(JsonNode node) {
        if (!node.isTextual()) {
          throw wrongType(this, node);
        }
        return parseOne(str.fromToml(node));
      }

      private InetSocketAddress parseOne(String text) {
        try {
          return ListenAddresses.parse(text);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("'" + text + "': " + e.getMessage(), e);
        }
      }

      @Override
      public String toToml(InetSocketAddress value) {
        return quote(ListenAddresses.format(value));
      }

      @Override
      public String expected() {
        return "a HOST:PORT string";
      }
    };
  }

  /** One or more distinct {@code HOST:PORT} addresses (repeatable flag; TOML array of strings). */
  static ValueType<List<InetSocketAddress>> addresses() {
    return new ValueType<>() {
      @Override
      public List<InetSocketAddress> fromCli(List<String> texts) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String t : texts) {
          out.add(parseOne(t));
        }
        return distinct(out);
      }

      @Override
      public List<InetSocketAddress> fromToml(JsonNode node) {
        if (!node.isArray()) {
          throw wrongType(this, node);
        }
        if (node.isEmpty()) {
          throw new IllegalArgumentException("must list at least one address");
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (JsonNode element : node) {
          if (!element.isTextual()) {
            throw wrongType(this, element);
          }
          out.add(parseOne(element.asText()));
        }
        return distinct(out);
      }

      private InetSocketAddress parseOne(String text) {
        try {
          return ListenAddresses.parse(text);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("'" + text + "': " + e.getMessage(), e);
        }
      }

      private List<InetSocketAddress> distinct(List<InetSocketAddress> list) {
        Set<InetSocketAddress> seen = new HashSet<>();
        for (InetSocketAddress a : list) {
          if (!seen.add(a)) {
            throw new IllegalArgumentException(
                ListenAddresses.format(a) + " is given more than once");
          }
        }
        return List.copyOf(list);
      }

      @Override
      public String toToml(List<InetSocketAddress> value) {
        List<String> quoted = new ArrayList<>();
        for (String a : ListenAddresses.describe(value)) {
          quoted.add(quote(a));
        }
        return "[" + String.join(", ", quoted) + "]";
      }

      @Override
      public boolean repeatable() {
        return true;
      }

      @Override
      public String expected() {
        return "an array of \"HOST:PORT\" strings";
      }
    };
  }

  /** A TOML basic string literal. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** An integer range. */
  final class LongRange implements ValueType<Long> {
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private final long min;
    private final long max;

    LongRange(long min, long max) {
      this.min = min;
      this.max = max;
    }

    @Override
    public Long fromCli(List<String> texts) {
      String t = texts.get(0);
      if (!INTEGER.matcher(t).matches()) {
        throw new IllegalArgumentException("must be an integer, got '" + t + "'");
      }
      return check(new BigInteger(t));
    }

    @Override
    public Long fromToml(JsonNode node) {
      if (!node.isIntegralNumber()) {
        throw wrongType(this, node);
      }
      return check(node.bigIntegerValue());
    }

    private long check(BigInteger v) {
      if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
        throw new IllegalArgumentException("must be " + min + ".." + max + ", got " + v);
      }
      return v.longValueExact();
    }

    @Override
    public String toToml(Long value) {
      return value.toString();
    }

    @Override
    public String expected() {
      return "an integer " + min + ".." + max;
    }
  }

  /** Named constants. */
  final class Choice<E> implements ValueType<E> {
    private final Map<String, E> names;

    Choice(Map<String, E> names) {
      this.names = new LinkedHashMap<>(names);
    }

    @Override
    public E fromCli(List<String> texts) {
      return lookup(texts.get(0));
    }

    @Override
    public E fromToml(JsonNode node) {
      if (!node.isTextual()) {
        throw wrongType(this, node);
      }
      return lookup(node.asText());
    }

    private E lookup(String text) {
      E e = names.get(text.toLowerCase(Locale.ROOT));
      if (e == null) {
        throw new IllegalArgumentException("must be " + expected() + ", got '" + text + "'");
      }
      return e;
    }

    @Override
    public String toToml(E value) {
      for (Map.Entry<String, E> entry : names.entrySet()) {
        if (entry.getValue().equals(value)) {
          return quote(entry.getKey());
        }
      }
      throw new IllegalArgumentException("no name for " + value);
    }

    @Override
    public String expected() {
      return "one of " + String.join(", ", names.keySet());
    }
  }
}
