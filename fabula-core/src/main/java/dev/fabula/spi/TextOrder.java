package dev.fabula.spi;

/**
 * Orders text by Unicode code point, as PostgreSQL's {@code COLLATE "C"} on UTF-8 text and MongoDB
 * do (both compare the UTF-8 bytes, whose order is the code points' order), so that a store
 * sorting in memory agrees with one sorting in its database.
 *
 * <p>{@link String#compareTo} compares UTF-16 code units instead, and so puts a character beyond
 * the Basic Multilingual Plane (a surrogate pair, units {@code D800}–{@code DFFF}) before one of
 * {@code U+E000}–{@code U+FFFF}, which in code point order comes first.
 */
public final class TextOrder {
  private TextOrder() {}

  /**
   * Compares {@code a} and {@code b} by code point: negative when {@code a} comes first, zero when
   * equal, positive when {@code b} comes first; a prefix comes before the longer text.
   */
  public static int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        // At the first unit that differs the texts agree on everything before, so only where the
        // two units fall decides: surrogates move above U+E000–U+FFFF, which move down to make room.
        return Integer.compare(rank(x), rank(y));
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /** {@code c}'s place in code point order among UTF-16 units: only units from D800 up move. */
  private static int rank(char c) {
    if (c < Character.MIN_SURROGATE) {
      return c;
    }
    return c <= Character.MAX_SURROGATE ? c + 0x2000 : c - 0x800;
  }
}
