package dev.fabula.nats;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Maps event names (and queue group and durable names) to NATS subject tokens, one token per name,
 * so that no name can add a subject level or a wildcard: letters, digits and {@code -} stay as
 * they are, every other UTF-8 byte becomes {@code _} and two upper-case hex digits. The mapping is
 * one-to-one ({@code _} itself is escaped), so two names never share a subject.
 */
final class Subjects {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Subjects() {}

  /** {@code name} as one subject token, e.g. {@code "order.placed"} as {@code "order_2Eplaced"}. */
  static String token(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a name must not be empty");
    }
    StringBuilder sb = null;
    for (int i = 0; i < name.length(); i++) {
      if (!plain(name.charAt(i))) {
        sb = new StringBuilder(name.length() + 16).append(name, 0, i);
        for (byte b : name.substring(i).getBytes(StandardCharsets.UTF_8)) {
          char c = (char) (b & 0xFF);
          if (plain(c)) {
            sb.append(c);
          } else {
            sb.append('_').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
          }
        }
        break;
      }
    }
    return sb == null ? name : sb.toString();
  }

  /**
   * The name a token stands for.
   *
   * @throws IllegalArgumentException when the token is not one {@link #token} makes
   */
  static String name(String token) {
    if (token.indexOf('_') < 0) {
      checkPlain(token);
      return token;
    }
    byte[] out = new byte[token.length()];
    int n = 0;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '_') {
        if (i + 2 >= token.length()) {
          throw new IllegalArgumentException("not a Fabula subject token: " + token);
        }
        int hi = Character.digit(token.charAt(i + 1), 16);
        int lo = Character.digit(token.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("not a Fabula subject token: " + token);
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (plain(c)) {
        out[n++] = (byte) c;
      } else {
        throw new IllegalArgumentException("not a Fabula subject token: " + token);
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  /**
   * Checks a subject prefix: one or more dot-separated tokens of letters, digits, {@code -} and
   * {@code _}, so that no wildcard or empty level sneaks in.
   */
  static String checkPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty() || prefix.startsWith(".") || prefix.endsWith(".") || prefix.contains("..")) {
      throw new IllegalArgumentException(
          "a subject prefix is one or more dot-separated tokens, got '" + prefix + "'");
    }
    for (int i = 0; i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      if (!plain(c) && c != '_' && c != '.') {
        throw new IllegalArgumentException(
            "a subject prefix holds only letters, digits, '-', '_' and '.', got '" + prefix + "'");
      }
    }
    return prefix;
  }

  /**
   * Checks a JetStream stream name: letters, digits, {@code -} and {@code _} only (no dots,
   * wildcards or path separators).
   */
  static String checkStreamName(String stream) {
    Objects.requireNonNull(stream, "stream");
    if (stream.isEmpty()) {
      throw new IllegalArgumentException("a stream name must not be empty");
    }
    for (int i = 0; i < stream.length(); i++) {
      char c = stream.charAt(i);
      if (!plain(c) && c != '_') {
        throw new IllegalArgumentException(
            "a stream name holds only letters, digits, '-' and '_', got '" + stream + "'");
      }
    }
    return stream;
  }

  private static void checkPlain(String token) {
    if (token.isEmpty()) {
      throw new IllegalArgumentException("not a Fabula subject token: an empty token");
    }
    for (int i = 0; i < token.length(); i++) {
      if (!plain(token.charAt(i))) {
        throw new IllegalArgumentException("not a Fabula subject token: " + token);
      }
    }
  }

  private static boolean plain(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-';
  }
}
