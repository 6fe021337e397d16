package dev.ztna.server.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Strict {@code HOST:PORT} parsing and RFC 5952 formatting of listen addresses. */
public final class ListenAddresses {
  private ListenAddresses() {}

  private static final Pattern IPV4 =
      Pattern.compile(
          "(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})");
  private static final Pattern NUMERIC_DOTTED = Pattern.compile("[0-9.]+");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+(%[0-9A-Za-z._-]+)?");
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
              + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  /**
   * Parses {@code HOST:PORT} strictly: a dotted-quad IPv4 address, a bracketed IPv6 address ({@code
   * [::1]:4433}) or a host name (resolved now), and a decimal port 0..65535.
   *
   * @throws IllegalArgumentException with a readable reason
   */
  public static InetSocketAddress parse(String s) {
    String host;
    String port;
    boolean bracketed = s.startsWith("[");
    if (bracketed) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' after the IPv6 address");
      }
      if (close + 1 >= s.length() || s.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("expected [IPv6]:PORT, e.g. [::1]:4433");
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("missing port; expected HOST:PORT, e.g. 0.0.0.0:4433");
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "IPv6 addresses must be in brackets, e.g. [::]:4433 or [::1]:4433");
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("missing host; expected HOST:PORT, e.g. 0.0.0.0:4433");
    }
    if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException("invalid port '" + port + "'; expected 0..65535");
    }
    return new InetSocketAddress(parseHost(host, bracketed), Integer.parseInt(port));
  }

  private static InetAddress parseHost(String host, boolean bracketed) {
    try {
      if (bracketed) {
        if (host.indexOf(':') < 0 || !IPV6_CHARS.matcher(host).matches()) {
          throw new IllegalArgumentException("'" + host + "' is not an IPv6 address");
        }
        // A string with ':' is parsed as an IPv6 literal, never looked up in DNS.
        return InetAddress.getByName(host);
      }
      if (NUMERIC_DOTTED.matcher(host).matches()) {
        Matcher m = IPV4.matcher(host);
        if (!m.matches()) {
          throw new IllegalArgumentException("'" + host + "' is not an IPv4 address");
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
          int octet = Integer.parseInt(m.group(i + 1));
          if (octet > 255) {
            throw new IllegalArgumentException("'" + host + "' is not an IPv4 address");
          }
          b[i] = (byte) octet;
        }
        return InetAddress.getByAddress(b);
      }
      if (!HOST_NAME.matcher(host).matches()) {
        throw new IllegalArgumentException("'" + host + "' is not a valid host name");
      }
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve '" + host + "'", e);
    }
  }

  /** {@code host:port}, or {@code [v6]:port} with the RFC 5952 text form. */
  public static String format(InetSocketAddress a) {
    InetAddress address = a.getAddress();
    if (address instanceof Inet6Address) {
      return "[" + compress((Inet6Address) address) + "]:" + a.getPort();
    }
    String h = address == null ? a.getHostString() : address.getHostAddress();
    return h + ":" + a.getPort();
  }

  /** The RFC 5952 text form: lower-case hex, the longest run (2+) of zero groups as "::". */
  public static String compress(Inet6Address address) {
    byte[] b = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLength - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    if (address.getScopeId() != 0 || address.getScopedInterface() != null) {
      String full = address.getHostAddress();
      int percent = full.indexOf('%');
      if (percent >= 0) {
        sb.append(full, percent, full.length());
      }
    }
    return sb.toString();
  }

  /** The addresses as {@code host:port} / {@code [v6]:port} strings, for logs. */
  public static List<String> describe(List<InetSocketAddress> addresses) {
    List<String> out = new ArrayList<>(addresses.size());
    for (InetSocketAddress a : addresses) {
      out.add(format(a));
    }
    return out;
  }
}
