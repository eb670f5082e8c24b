package dev.fabula.memory;

import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.spi.QueryPlan;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Translates a {@link QueryPlan} into a walk over {@link MemoryEventStore}'s columns: one
 * aggregate's positions within the version bounds ({@link QueryPlan.One}), the merged positions of
 * several ({@link QueryPlan.Several}), or every position after the start ({@link QueryPlan.Any});
 * then the plan's filter (skipped when the bounds are the whole filter), its order (skipped when
 * the walk is in it already) and its limit.
 */
final class MemoryQuery {
  private MemoryQuery() {}

  /** The events {@code plan} selects among the first {@code end} positions of {@code cs}, lazily. */
  static Stream<Event<?>> run(
      QueryPlan plan, EventColumns.Chunk[] cs, int end, Map<AggregateStream.Key, AggregateStream> streams) {
    Spliterator<Event<?>> source =
        switch (plan.scope()) {
          case QueryPlan.One one -> one(plan, one, cs, end, streams);
          case QueryPlan.Several several -> several(plan, several.aggregates(), cs, end, streams);
          case QueryPlan.Any any -> {
            int from = (int) Math.min(plan.afterPosition(), end);
            yield new Scan(cs, end, null, end, from, plan);
          }
        };
    Stream<Event<?>> stream = StreamSupport.stream(source, false);
    if (!plan.inPositionOrder()) {
      stream = stream.sorted(plan.comparator());
    }
    if (plan.limit().isPresent()) {
      stream = stream.limit(plan.limit().getAsInt());
    }
    return stream;
  }

  /**
   * One aggregate: walk its own positions, only those within the version bounds when the stream is
   * dense (index = version - 1). The plan still filters what the walk yields unless the bounds are
   * all of it (what a repository loads).
   */
  private static Spliterator<Event<?>> one(
      QueryPlan plan, QueryPlan.One one, EventColumns.Chunk[] cs, int end,
      Map<AggregateStream.Key, AggregateStream> streams) {
    AggregateStream stream = streams.get(new AggregateStream.Key(one.name(), one.id()));
    if (stream == null) {
      return Spliterators.emptySpliterator();
    }
    int count = stream.count(); // before the positions: they hold at least count
    int[] positions = stream.positions();
    if (!stream.dense()) {
      return new Scan(cs, end, positions, count, 0, plan);
    }
    int from = from(plan, count);
    int to = to(plan, count, from);
    return new Scan(cs, end, positions, to, from, plan.boundsOnly() ? null : plan);
  }

  /**
   * Several aggregates: their positions (within the bounds where dense), merged in position order.
   * Each stream's count and positions are read once, the total summed, and one array filled.
   */
  private static Spliterator<Event<?>> several(
      QueryPlan plan, List<AggregateSelector.Exact> aggregates, EventColumns.Chunk[] cs, int end,
      Map<AggregateStream.Key, AggregateStream> streams) {
    int k = aggregates.size(); // each once: the plan dropped repeats
    int[] @Nullable [] found = new int[k][];
    int[] froms = new int[k];
    int[] tos = new int[k];
    int n = 0;
    boolean allDense = true;
    for (int i = 0; i < k; i++) {
      AggregateSelector.Exact a = aggregates.get(i);
      AggregateStream stream = streams.get(new AggregateStream.Key(a.name(), a.id()));
      if (stream == null) {
        continue;
      }
      int count = stream.count(); // before the positions: they hold at least count
      found[i] = stream.positions();
      if (stream.dense()) {
        froms[i] = from(plan, count);
        tos[i] = to(plan, count, froms[i]);
      } else {
        tos[i] = count;
        allDense = false;
      }
      n += tos[i] - froms[i];
    }
    int[] all = new int[n];
    int at = 0;
    for (int i = 0; i < k; i++) {
      int[] p = found[i];
      if (p != null) {
        System.arraycopy(p, froms[i], all, at, tos[i] - froms[i]);
        at += tos[i] - froms[i];
      }
    }
    Arrays.sort(all);
    return new Scan(cs, end, all, n, 0, plan.boundsOnly() && allDense ? null : plan);
  }

  /** The index of a dense stream of {@code count} events where the plan's first version is. */
  private static int from(QueryPlan plan, int count) {
    return (int) Math.min(Math.max((long) plan.firstVersion() - 1, 0), count);
  }

  /** The index after the plan's last version in a dense stream of {@code count} events. */
  private static int to(QueryPlan plan, int count, int from) {
    return Math.max(Math.min(plan.lastVersion(), count), from);
  }

  /** Walks positions (or an index range) lazily, skipping deleted and non-matching events. */
  private static final class Scan extends Spliterators.AbstractSpliterator<Event<?>> {
    private final EventColumns.Chunk[] chunks;
    private final int size;
    private final int @Nullable [] positions;
    private final int end;
    /** The filter, or {@code null} when every event of the range is in the result. */
    private final @Nullable QueryPlan filter;
    private int next;

    /**
     * Walks {@code positions[from..end)}, or positions {@code from + 1 .. end} when there are no
     * positions, among the first {@code size} of {@code chunks}.
     */
    Scan(EventColumns.Chunk[] chunks, int size, int @Nullable [] positions, int end, int from,
        @Nullable QueryPlan filter) {
      super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
      this.chunks = chunks;
      this.size = size;
      this.positions = positions;
      this.end = end;
      this.next = from;
      this.filter = filter;
    }

    @Override
    public boolean tryAdvance(Consumer<? super Event<?>> action) {
      while (next < end) {
        int position = positions == null ? next + 1 : positions[next];
        next++;
        Event<?> e = position <= size ? EventColumns.eventAt(chunks, position) : null;
        if (e != null && (filter == null || filter.matches(e))) {
          action.accept(e);
          return true;
        }
      }
      return false;
    }
  }
}
