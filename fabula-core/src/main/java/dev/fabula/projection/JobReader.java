package dev.fabula.projection;

import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.spi.QueryPlan;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Reads one job's events, positions {@code (after, head]}, from the event store through a bounded
 * cache, and decides which events a narrowed trigger delivers. It is the schedule's only place
 * that matches events against queries in memory. Used by the job's thread only.
 */
final class JobReader {
  private final EventStore store;
  /** The schedule's own query (its event names): what projections follow. */
  private final EventQuery base;
  /** What {@link #delivered(long)} reads: the trigger's query, or {@link #base}. */
  private final EventQuery delivered;
  /** The trigger's query and filters, planned once for the job: they are matched per event. */
  private final @Nullable QueryPlan triggerPlan;
  private final List<QueryPlan> filters;
  private final boolean narrowed;
  private final long head;
  private final int cacheSize;
  private @Nullable List<Event<?>> cache;
  private long cacheFrom;
  private int storeReads;

  JobReader(EventStore store, EventQuery base, long head, TriggerOptions trigger, int cacheSize) {
    this.store = store;
    this.base = base;
    this.delivered = trigger.query().orElse(base);
    this.triggerPlan = trigger.query().map(QueryPlan::of).orElse(null);
    this.filters = trigger.filters().stream().map(QueryPlan::of).toList();
    this.narrowed = trigger.narrowed();
    this.head = head;
    this.cacheSize = cacheSize;
  }

  /** Whether the trigger narrowed the job (a query or filters). */
  boolean narrowed() {
    return narrowed;
  }

  /** What {@link Job#events()} delivers after {@code from}: the trigger's narrowing, else the schedule's events. */
  Stream<Event<?>> delivered(long from) {
    if (!narrowed) {
      return read(from);
    }
    Stream<Event<?>> s = readStore(delivered, from);
    return filters.isEmpty() ? s : s.filter(this::passesFilters);
  }

  /** Whether a narrowed trigger delivers {@code event}. */
  boolean covered(Event<?> event) {
    if (triggerPlan != null && !triggerPlan.matches(event)) {
      return false;
    }
    return passesFilters(event);
  }

  private boolean passesFilters(Event<?> event) {
    for (QueryPlan f : filters) {
      if (!f.matches(event)) {
        return false;
      }
    }
    return true;
  }

  /** The events of the schedule's query with positions in {@code (after, head]}, in order. */
  Stream<Event<?>> read(long after) {
    if (after >= head) {
      return Stream.empty();
    }
    List<Event<?>> cached = cache;
    if (cached != null && after >= cacheFrom) {
      return cached.subList(firstAfter(cached, after), cached.size()).stream();
    }
    if (head - after <= cacheSize) {
      List<Event<?>> loaded;
      try (Stream<Event<?>> s = readStore(base, after)) {
        loaded = s.toList();
      } catch (EventDecodingException e) {
        // An event the store cannot decode: stream instead, so the events before it are applied
        // before the reader meets it.
        return readStore(base, after);
      }
      cache = loaded;
      cacheFrom = after;
      return loaded.stream();
    }
    return readStore(base, after);
  }

  /** How many times the job queried the store (for tests of the cache). */
  int storeReads() {
    return storeReads;
  }

  private Stream<Event<?>> readStore(EventQuery q, long after) {
    Stream<Event<?>> s;
    if (q.afterPosition() < after) {
      if (q.afterPosition() == 0) {
        s = store.query(q.toBuilder().afterPosition(after).build());
      } else {
        s = store.query(q).filter(e -> e.position() > after);
      }
    } else {
      s = store.query(q);
    }
    storeReads++;
    return s.takeWhile(e -> e.position() <= head);
  }

  private static int firstAfter(List<Event<?>> events, long position) {
    int lo = 0;
    int hi = events.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (events.get(mid).position() <= position) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
