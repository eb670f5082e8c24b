package dev.fabula.spi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The little JSON that backends write themselves, on UTF-8 bytes: quoted strings, flat objects of
 * strings (event metadata), and a strict {@link Reader} of strings, integers, {@code null},
 * objects, and any value skipped over as a raw span (a payload, which the codec reads). Payloads
 * go through the {@code Codec}; this is for the few fields around them, so that a backend needs
 * no JSON library. Writing and reading are exact inverses for every string, unpaired surrogates
 * and control characters included.
 */
public final class Json {
  private Json() {}

  /** Appends {@code s} as a JSON string. */
  public static void quote(StringBuilder sb, String s) {
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

  /** Appends {@code values} as a JSON object of strings, in the map's order. */
  public static void stringMap(StringBuilder sb, Map<String, String> values) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      quote(sb, e.getKey());
      sb.append(':');
      quote(sb, e.getValue());
    }
    sb.append('}');
  }

  /** {@code values} as a JSON object of strings, in the map's order. */
  public static String stringMap(Map<String, String> values) {
    var sb = new StringBuilder(2 + values.size() * 32);
    stringMap(sb, values);
    return sb.toString();
  }

  /**
   * Reads a document that is exactly one JSON object of strings.
   *
   * @throws SyntaxException on anything else
   */
  public static Map<String, String> readStringMap(byte[] json) {
    Reader r = new Reader(json);
    Map<String, String> values = r.stringMap();
    r.expectEnd();
    return values;
  }

  private static boolean pairedAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /** Thrown by the {@link Reader} on anything that is not the JSON it expects. */
  public static final class SyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SyntaxException(String message, int at) {
      super(message + " at byte " + at);
    }
  }

  /**
   * Reads JSON values from UTF-8 bytes, front to back, skipping whitespace between them; each
   * method throws a {@link SyntaxException} on anything but what it expects.
   */
  public static final class Reader {
    private final byte[] b;
    private int i;

    /** A reader at the start of {@code bytes}. */
    public Reader(byte[] bytes) {
      this.b = bytes;
    }


    private SyntaxException error(String message) {
      return new SyntaxException(message, i);
    }

    private void skipWhitespace() {
      while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
        i++;
      }
    }

    /** The next non-blank byte, not consumed, or -1 at the end. */
    public int peek() {
      skipWhitespace();
      return i < b.length ? b[i] : -1;
    }

    /** Consumes {@code c}, which must come next. */
    public void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      i++;
    }

    /** Consumes {@code c} if it comes next. */
    public boolean consume(char c) {
      if (peek() == c) {
        i++;
        return true;
      }
      return false;
    }

    /** Consumes {@code null} if it comes next. */
    public boolean consumeNull() {
      if (peek() == 'n' && i + 4 <= b.length && b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l') {
        i += 4;
        return true;
      }
      return false;
    }

    /** Checks that nothing but whitespace is left. */
    public void expectEnd() {
      if (peek() != -1) {
        throw error("unexpected content after the JSON value");
      }
    }

    /** Reads a string. */
    public String string() {
      return scanString(true);
    }

    /**
     * Reads past a string, checking it as {@link #string()} does; with {@code build}, returns it
     * (else null: skipping a payload's strings allocates nothing).
     */
    private @Nullable String scanString(boolean build) {
      expect('"');
      StringBuilder sb = null;
      int start = i;
      while (true) {
        if (i >= b.length) {
          throw error("unterminated string");
        }
        byte c = b[i];
        if (c == '"') {
          String result = null;
          if (build) {
            String tail = new String(b, start, i - start, StandardCharsets.UTF_8);
            result = sb == null ? tail : sb.append(tail).toString();
          }
          i++;
          return result;
        }
        if (c == '\\') {
          if (build) {
            if (sb == null) {
              sb = new StringBuilder();
            }
            sb.append(new String(b, start, i - start, StandardCharsets.UTF_8));
          }
          i++;
          char unescaped = escape();
          if (sb != null) {
            sb.append(unescaped);
          }
          start = i;
        } else if ((c & 0xFF) < 0x20) {
          throw error("control character in a string");
        } else {
          i++;
        }
      }
    }

    /** Reads the escape after a backslash and returns the char it stands for. */
    private char escape() {
      if (i >= b.length) {
        throw error("unterminated escape");
      }
      byte e = b[i++];
      return switch (e) {
        case '"' -> '"';
        case '\\' -> '\\';
        case '/' -> '/';
        case 'b' -> '\b';
        case 'f' -> '\f';
        case 'n' -> '\n';
        case 'r' -> '\r';
        case 't' -> '\t';
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
          yield (char) v;
        }
        default -> throw error("bad escape");
      };
    }

    /** Reads an integer that fits a {@code long} (no fraction, no exponent). */
    public long integer() {
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

    /** Reads an integer that fits an {@code int}. */
    public int intValue() {
      long v = integer();
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw error("integer out of range");
      }
      return (int) v;
    }

    /** Reads an object of strings into a map in document order. */
    public Map<String, String> stringMap() {
      Map<String, String> values = new LinkedHashMap<>();
      expect('{');
      if (!consume('}')) {
        do {
          String key = string();
          expect(':');
          values.put(key, string());
        } while (consume(','));
        expect('}');
      }
      return values;
    }

    /** Skips one value of any kind and returns its bytes. */
    public byte[] rawValue() {
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
        case '"' -> scanString(false);
        case '{' -> {
          i++;
          if (!consume('}')) {
            do {
              scanString(false);
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
