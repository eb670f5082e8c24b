package dev.fabula.nats;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
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

  /**
   * {@code name} as one subject token, e.g. {@code "order.placed"} as {@code "order_2Eplaced"}.
   *
   * @throws IllegalArgumentException when the name is empty or holds an unpaired surrogate (which
   *     has no UTF-8 form, so it would share a token with another name)
   */
  static String token(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a name must not be empty");
    }
    StringBuilder sb = null;
    for (int i = 0; i < name.length(); i++) {
      if (!plain(name.charAt(i))) {
        checkWellFormed(name, i);
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

  /** Refuses a name with an unpaired surrogate from index {@code from} on. */
  private static void checkWellFormed(String name, int from) {
    for (int i = from; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("the name '" + name + "' holds an unpaired surrogate U+"
            + HexFormat.of().withUpperCase().toHexDigits(c) + " at index " + i
            + "; a name on NATS must be well-formed Unicode");
      }
    }
  }

  private static boolean plain(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-';
  }
}
