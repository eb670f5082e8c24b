package dev.fabula.spi;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.InvalidBatchException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Checks what every store must refuse in a batch before it writes anything, whatever it holds
 * already: an event id given twice, and an aggregate's versions that do not follow each other.
 *
 * <p>What it returns, one {@link Span} per aggregate, is what a store then checks against what it
 * holds: that each span's first version follows the stored stream (else a {@link
 * dev.fabula.event.ConcurrencyException} or an {@link InvalidBatchException}), and that no id is
 * stored already. An aggregate's events need not be adjacent in the batch, only in version order.
 */
public final class BatchValidator {
  /** Batches up to this size find repeated ids pairwise, without allocating a set. */
  private static final int SMALL_BATCH = 16;

  private BatchValidator() {}

  /**
   * The events of one aggregate in a batch: versions {@code firstVersion} to {@link
   * #lastVersion()}, {@code count} events.
   */
  public record Span(String name, UUID id, int firstVersion, int count) {
    /** Validates the span. */
    public Span {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(id, "id");
      if (count < 1) {
        throw new IllegalArgumentException("a span holds at least one event, got " + count);
      }
    }

    /** The version of the span's last event. */
    public int lastVersion() {
      return firstVersion + count - 1;
    }
  }

  /**
   * Validates {@code events} on their own and returns the span of each aggregate they touch, in
   * the order each aggregate first appears (empty when no event has an aggregate).
   *
   * @throws DuplicateEventException if two events of the batch share an id
   * @throws InvalidBatchException if an event's version does not follow the batch's previous event
   *     of the same aggregate
   */
  public static List<Span> validate(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    requireDistinctIds(events);
    int n = events.size();
    // The usual batch: one aggregate's events in a row, checked without a map.
    @Nullable AggregateRef first = n == 0 ? null : events.get(0).aggregateOrNull();
    if (first == null) {
      return spansOfSeveral(events);
    }
    int i = 1;
    while (i < n && sameAggregate(events.get(i).aggregateOrNull(), first)) {
      requireNext(events.get(i), first.version() + i - 1);
      i++;
    }
    if (i == n) {
      return List.of(new Span(first.name(), first.id(), first.version(), n));
    }
    return spansOfSeveral(events);
  }

  private static List<Span> spansOfSeveral(List<? extends Event<?>> events) {
    Map<Key, int[]> spans = new HashMap<>(); // first version, last version
    List<Key> order = new ArrayList<>();
    for (Event<?> e : events) {
      AggregateRef ref = e.aggregateOrNull();
      if (ref == null) {
        continue;
      }
      Key key = new Key(ref.name(), ref.id());
      int[] span = spans.get(key);
      if (span == null) {
        spans.put(key, new int[] {ref.version(), ref.version()});
        order.add(key);
      } else {
        requireNext(e, span[1]);
        span[1] = ref.version();
      }
    }
    List<Span> result = new ArrayList<>(order.size());
    for (Key key : order) {
      int[] span = spans.get(key);
      result.add(new Span(key.name(), key.id(), span[0], span[1] - span[0] + 1));
    }
    return List.copyOf(result);
  }

  private static boolean strictlyAscending(List<? extends Event<?>> events) {
    for (int i = 1; i < events.size(); i++) {
      UUID a = events.get(i - 1).id();
      UUID b = events.get(i).id();
      int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
      if (c > 0 || (c == 0 && Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits()) >= 0)) {
        return false;
      }
    }
    return true;
  }

  private record Key(String name, UUID id) {}

  private static boolean sameAggregate(@Nullable AggregateRef a, AggregateRef b) {
    return a != null && a.id().equals(b.id()) && a.name().equals(b.name());
  }

  private static void requireNext(Event<?> e, int previous) {
    AggregateRef ref = Objects.requireNonNull(e.aggregateOrNull());
    if (ref.version() != previous + 1) {
      throw new InvalidBatchException(
          "event " + e.id() + " has version " + ref.version() + " of " + ref.name() + " " + ref.id()
              + ", but the batch's previous event of it has version " + previous);
    }
  }

  private static void requireDistinctIds(List<? extends Event<?>> events) {
    int n = events.size();
    if (strictlyAscending(events)) {
      return; // the usual batch of fresh UUIDv7 ids: no id can repeat
    }
    if (n <= SMALL_BATCH) {
      for (int i = 1; i < n; i++) {
        UUID id = events.get(i).id();
        for (int j = 0; j < i; j++) {
          if (events.get(j).id().equals(id)) {
            throw new DuplicateEventException(id);
          }
        }
      }
      return;
    }
    Set<UUID> ids = new HashSet<>(n * 2);
    for (Event<?> e : events) {
      if (!ids.add(e.id())) {
        throw new DuplicateEventException(e.id());
      }
    }
  }
}
