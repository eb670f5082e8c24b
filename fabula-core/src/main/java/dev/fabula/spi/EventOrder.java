package dev.fabula.spi;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds the comparator of a {@link QueryPlan#order()}: the one in-memory order every store's
 * sort must agree with.
 */
final class EventOrder {
  private static final SortOrder ASCENDING_POSITION = SortOrder.asc(SortField.POSITION);
  private static final Comparator<Event<?>> BY_POSITION = Comparator.comparingLong(Event::position);

  private EventOrder() {}

  /**
   * Orders events by {@code order}'s keys in turn: events without an aggregate sort first
   * ascending and last descending by any aggregate key, ids compare as their 16 bytes unsigned,
   * names (event and aggregate) by code point ({@link TextOrder}).
   */
  static Comparator<Event<?>> comparator(List<SortOrder> order) {
    if (order.size() == 1 && order.get(0).equals(ASCENDING_POSITION)) {
      return BY_POSITION;
    }
    Comparator<Event<?>> c = null;
    for (SortOrder o : order) {
      Comparator<Event<?>> key = key(o.field());
      if (o.descending()) {
        key = key.reversed();
      }
      c = c == null ? key : c.thenComparing(key);
    }
    return Objects.requireNonNull(c);
  }

  private static Comparator<Event<?>> key(SortField field) {
    return switch (field) {
      case POSITION -> BY_POSITION;
      case TIME -> Comparator.comparing(Event::time);
      case NAME -> (a, b) -> TextOrder.compare(a.name(), b.name());
      case AGGREGATE_NAME -> (a, b) -> compareNames(a.aggregateOrNull(), b.aggregateOrNull());
      case AGGREGATE_ID -> (a, b) -> compareIds(a.aggregateOrNull(), b.aggregateOrNull());
      case AGGREGATE_VERSION -> (a, b) -> compareVersions(a.aggregateOrNull(), b.aggregateOrNull());
    };
  }

  private static int compareNames(@Nullable AggregateRef a, @Nullable AggregateRef b) {
    return a == null || b == null ? absentFirst(a, b) : TextOrder.compare(a.name(), b.name());
  }

  /** Orders ids as their 16 bytes compare, as PostgreSQL and MongoDB do. */
  private static int compareIds(@Nullable AggregateRef a, @Nullable AggregateRef b) {
    if (a == null || b == null) {
      return absentFirst(a, b);
    }
    int c = Long.compareUnsigned(a.id().getMostSignificantBits(), b.id().getMostSignificantBits());
    return c != 0 ? c : Long.compareUnsigned(a.id().getLeastSignificantBits(), b.id().getLeastSignificantBits());
  }

  private static int compareVersions(@Nullable AggregateRef a, @Nullable AggregateRef b) {
    return a == null || b == null ? absentFirst(a, b) : Integer.compare(a.version(), b.version());
  }

  private static int absentFirst(@Nullable AggregateRef a, @Nullable AggregateRef b) {
    return a == null ? (b == null ? 0 : -1) : 1;
  }
}
