package dev.fabula.nats;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The little JSON the envelope needs, on UTF-8 bytes: writing quoted strings, and a strict reader
 * of strings, integers, {@code null}, objects, and any value skipped over as a raw span (the
 * payload, which the codec reads). No JSON library, so the module needs none.
 */
final class Json {
  private Json() {}

  /** Appends {@code s} as a JSON string. */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) && !pairedAt(s, i)) {
            sb.append("\\u").append(String.format("%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static boolean pairedAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /** Thrown by the {@link Reader} on anything that is not the JSON it expects. */
  static final class SyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SyntaxException(String message, int at) {
      super(message + " at byte " + at);
    }
  }

  /** Reads JSON values from UTF-8 bytes, front to back. */
  static final class Reader {
    private final byte[] b;
    private int i;

    Reader(byte[] bytes) {
      this.b = bytes;
    }

    int position() {
      return i;
    }

    SyntaxException error(String message) {
      return new SyntaxException(message, i);
    }

    void skipWhitespace() {
      while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
        i++;
      }
    }

    /** The next non-blank byte, not consumed, or -1 at the end. */
    int peek() {
      skipWhitespace();
      return i < b.length ? b[i] : -1;
    }

    void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      i++;
    }

    /** Consumes {@code c} if it comes next. */
    boolean consume(char c) {
      if (peek() == c) {
        i++;
        return true;
      }
      return false;
    }

    /** Consumes {@code null} if it comes next. */
    boolean consumeNull() {
      if (peek() == 'n' && i + 4 <= b.length && b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l') {
        i += 4;
        return true;
      }
      return false;
    }

    /** Checks that nothing but whitespace is left. */
    void expectEnd() {
      if (peek() != -1) {
        throw error("unexpected content after the JSON value");
      }
    }

    String string() {
      expect('"');
      StringBuilder sb = null;
      int start = i;
      while (true) {
        if (i >= b.length) {
          throw error("unterminated string");
        }
        byte c = b[i];
        if (c == '"') {
          String tail = new String(b, start, i - start, StandardCharsets.UTF_8);
          i++;
          return sb == null ? tail : sb.append(tail).toString();
        }
        if (c == '\\') {
          if (sb == null) {
            sb = new StringBuilder();
          }
          sb.append(new String(b, start, i - start, StandardCharsets.UTF_8));
          i++;
          if (i >= b.length) {
            throw error("unterminated escape");
          }
          byte e = b[i++];
          switch (e) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
              if (i + 4 > b.length) {
                throw error("short unicode escape");
              }
              int v = 0;
              for (int k = 0; k < 4; k++) {
                int d = Character.digit(b[i + k], 16);
                if (d < 0) {
                  throw error("bad unicode escape");
                }
                v = v << 4 | d;
              }
              i += 4;
              sb.append((char) v);
            }
            default -> throw error("bad escape");
          }
          start = i;
        } else if ((c & 0xFF) < 0x20) {
          throw error("control character in a string");
        } else {
          i++;
        }
      }
    }

    long integer() {
      skipWhitespace();
      int start = i;
      if (i < b.length && b[i] == '-') {
        i++;
      }
      int digits = i;
      while (i < b.length && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      if (i == digits || i - digits > 19) {
        i = start;
        throw error("expected an integer");
      }
      if (i < b.length && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')) {
        i = start;
        throw error("expected an integer, not a fraction");
      }
      try {
        return Long.parseLong(new String(b, start, i - start, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        i = start;
        throw error("integer out of range");
      }
    }

    int intValue() {
      long v = integer();
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw error("integer out of range");
      }
      return (int) v;
    }

    /** Skips one value of any kind and returns its bytes. */
    byte[] rawValue() {
      skipWhitespace();
      int start = i;
      skipValue(0);
      return Arrays.copyOfRange(b, start, i);
    }

    private void skipValue(int depth) {
      if (depth > 512) {
        throw error("nested too deeply");
      }
      int c = peek();
      switch (c) {
        case '"' -> string();
        case '{' -> {
          i++;
          if (!consume('}')) {
            do {
              string();
              expect(':');
              skipValue(depth + 1);
            } while (consume(','));
            expect('}');
          }
        }
        case '[' -> {
          i++;
          if (!consume(']')) {
            do {
              skipValue(depth + 1);
            } while (consume(','));
            expect(']');
          }
        }
        case 't' -> literal("true");
        case 'f' -> literal("false");
        case 'n' -> literal("null");
        default -> number();
      }
    }

    private void literal(String word) {
      for (int k = 0; k < word.length(); k++) {
        if (i + k >= b.length || b[i + k] != word.charAt(k)) {
          throw error("expected " + word);
        }
      }
      i += word.length();
    }

    private void number() {
      int start = i;
      if (i < b.length && b[i] == '-') {
        i++;
      }
      int digits = i;
      while (i < b.length && (b[i] >= '0' && b[i] <= '9' || b[i] == '.' || b[i] == 'e'
          || b[i] == 'E' || b[i] == '+' || b[i] == '-')) {
        i++;
      }
      if (i == digits) {
        i = start;
        throw error("expected a JSON value");
      }
    }
  }
}
