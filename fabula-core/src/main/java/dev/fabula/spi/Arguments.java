package dev.fabula.spi;

import java.util.List;
import java.util.Objects;

/**
 * Argument checks every store shares, so that each names a bad argument the same way. For
 * Fabula's backends, not for application code.
 */
public final class Arguments {
  private Arguments() {}

  /**
   * Checks that {@code list} and each of its elements are not null.
   *
   * @throws NullPointerException naming the list, and the index of the first null element
   */
  public static void requireNoNulls(List<?> list, String name) {
    Objects.requireNonNull(list, name);
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        throw new NullPointerException(name + "[" + i + "] is null");
      }
    }
  }
}
