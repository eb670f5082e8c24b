package dev.fabula.postgres;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes and reads flat JSON objects of strings: the event metadata column. Small and strict so
 * that the backend needs no JSON library for it (payloads go through the {@code Codec}).
 */
final class JsonMap {
  private JsonMap() {}

  static String write(Map<String, String> map) {
    if (map.isEmpty()) {
      return "{}";
    }
    var sb = new StringBuilder(map.size() * 32).append('{');
    boolean first = true;
    for (var e : map.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      quote(sb, e.getKey());
      sb.append(':');
      quote(sb, e.getValue());
    }
    return sb.append('}').toString();
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Parses {@code {"k": "v", ...}}; fails on anything else. */
  static Map<String, String> read(String json) {
    var p = new Parser(json);
    Map<String, String> out = new LinkedHashMap<>();
    p.skip();
    p.expect('{');
    p.skip();
    if (p.peek() == '}') {
      p.i++;
      return out;
    }
    while (true) {
      p.skip();
      String k = p.string();
      p.skip();
      p.expect(':');
      p.skip();
      out.put(k, p.string());
      p.skip();
      char c = p.next();
      if (c == '}') {
        return out;
      }
      if (c != ',') {
        throw new IllegalArgumentException("metadata is not a flat JSON object of strings: " + json);
      }
    }
  }

  private static final class Parser {
    final String s;
    int i;

    Parser(String s) {
      this.s = s;
    }

    char peek() {
      if (i >= s.length()) {
        throw new IllegalArgumentException("metadata JSON ends early: " + s);
      }
      return s.charAt(i);
    }

    char next() {
      char c = peek();
      i++;
      return c;
    }

    void skip() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    void expect(char c) {
      if (next() != c) {
        throw new IllegalArgumentException("metadata is not a flat JSON object of strings: " + s);
      }
    }

    String string() {
      expect('"');
      var sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw new IllegalArgumentException("bad escape in metadata JSON: " + s);
            }
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> throw new IllegalArgumentException("bad escape in metadata JSON: " + s);
        }
      }
    }
  }
}
