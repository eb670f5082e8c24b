package dev.fabula.postgres;

import java.util.List;
import java.util.Objects;

/** Argument checks shared by the PostgreSQL stores. */
final class Arguments {
  private Arguments() {}

  /**
   * Checks that {@code list} and each of its elements are not null; the message names the list
   * and the index of the first null element.
   */
  static void requireNoNulls(List<?> list, String name) {
    Objects.requireNonNull(list, name);
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        throw new NullPointerException(name + "[" + i + "] is null");
      }
    }
  }
}
