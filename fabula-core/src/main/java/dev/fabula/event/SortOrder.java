package dev.fabula.event;

import java.util.Objects;

/**
 * One key of a multi-key sort in an {@link EventQuery}.
 *
 * @param field what to sort by
 * @param descending whether larger values come first
 */
public record SortOrder(SortField field, boolean descending) {
  /** Validates the order. */
  public SortOrder {
    Objects.requireNonNull(field, "field");
  }

  /** Ascending by {@code field}. */
  public static SortOrder asc(SortField field) {
    return new SortOrder(field, false);
  }

  /** Descending by {@code field}. */
  public static SortOrder desc(SortField field) {
    return new SortOrder(field, true);
  }
}
