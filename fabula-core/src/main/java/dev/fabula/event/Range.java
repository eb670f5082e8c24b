package dev.fabula.event;

import java.util.Objects;

/**
 * An inclusive range {@code [from, to]} used by {@link EventQuery} for times and versions.
 *
 * @param from the lowest value included
 * @param to the highest value included; not below {@code from}
 * @param <C> the value type
 */
public record Range<C extends Comparable<? super C>>(C from, C to) {
  /**
   * Validates the range.
   *
   * @throws InvalidQueryException when {@code from} is after {@code to}
   */
  public Range {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (from.compareTo(to) > 0) {
      throw new InvalidQueryException("range start " + from + " is after its end " + to);
    }
  }

  /** Whether {@code value} lies within the range, ends included. */
  public boolean contains(C value) {
    Objects.requireNonNull(value, "value");
    return from.compareTo(value) <= 0 && to.compareTo(value) >= 0;
  }
}
