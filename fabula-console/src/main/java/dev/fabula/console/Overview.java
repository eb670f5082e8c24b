package dev.fabula.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.SortField;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The overview's counts, kept up to date by reading only the events stored since the last look
 * (by position, as a catch-up reader does, so no late-committing event is missed). Deleted events
 * stay counted: the store has no feed of deletions.
 *
 * <p>A request never waits for a long count: it counts at most {@link #SYNC_LIMIT} events itself
 * (a small store's answer is always complete); when more were stored since the last look (the
 * first look at a large store), one background thread counts the rest while each request answers
 * at once with what is counted so far, marked incomplete ({@code complete} false, {@code
 * lastPosition} the position counted to). A failed count is answered as {@code countingError}
 * until a count succeeds, and tried again by the next request; {@link #close()} stops it between
 * two events.
 */
final class Overview implements AutoCloseable {
  static final int MAX_BUCKETS = 60;
  /** The most events a request counts itself; more are counted in the background. */
  static final long SYNC_LIMIT = 100_000;

  private final EventStore store;
  private final long syncLimit;
  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock: the counts, and the background count's state.
  private @Nullable Thread counter;
  private @Nullable String countingError;
  /** Set by {@link #close()}: the background count stops at its next event. */
  private volatile boolean stopped;
  private long readTo;
  private long total;
  private long undecodable;
  private final Map<String, Long> names = new HashMap<>();
  private final Map<String, Set<UUID>> aggregates = new HashMap<>();
  private final TreeMap<Long, Long> perMinute = new TreeMap<>();

  private final @Nullable Supplier<Optional<String>> horizonHolder;

  Overview(EventStore store, @Nullable Supplier<Optional<String>> horizonHolder) {
    this(store, horizonHolder, SYNC_LIMIT);
  }

  Overview(EventStore store, @Nullable Supplier<Optional<String>> horizonHolder, long syncLimit) {
    this.store = store;
    this.horizonHolder = horizonHolder;
    this.syncLimit = syncLimit;
  }

  ObjectNode answer() {
    ObjectNode n;
    lock.lock();
    try {
      boolean complete = false; // while a background count runs, on its way to the head
      if (counter == null) {
        if (catchUp(readTo, syncLimit, false)) {
          countingError = null;
          complete = true;
        } else {
          startCounting(); // more than a request should wait for
        }
      }
      n = render();
      n.put("complete", complete);
      if (countingError != null) {
        n.put("countingError", countingError);
      }
    } finally {
      lock.unlock();
    }
    n.set("safeHorizon", horizon());
    return n;
  }

  /**
   * Starts the background count; the caller holds the lock and no count runs. The last count's
   * failure, if any, stays in the answers until a count succeeds.
   */
  private void startCounting() {
    stopped = false;
    long from = readTo;
    counter = Thread.ofVirtual().name("fabula-console-overview").start(() -> countInBackground(from));
  }

  /**
   * The background count: reads up to the head, taking the lock for each event, so requests
   * answer between two events. Any failure is kept for the next answer, never dropped.
   */
  private void countInBackground(long from) {
    try {
      catchUp(from, Long.MAX_VALUE, true);
      record(null);
    } catch (Throwable e) {
      record(e.getClass().getSimpleName() + ": " + e.getMessage());
      if (e instanceof Error error) {
        throw error; // recorded for the next answer, and the thread's handler prints it
      }
    }
  }

  private void record(@Nullable String error) {
    lock.lock();
    try {
      if (!stopped) {
        countingError = error;
      }
      counter = null;
    } finally {
      lock.unlock();
    }
  }

  /** Stops a background count between two events; a later answer starts it again. */
  @Override
  public void close() {
    stopped = true;
  }

  /** The safe horizon and, when the console was told how to find it, what holds it back. */
  private ObjectNode horizon() {
    ObjectNode horizon = Json.NODES.objectNode();
    horizon.put("position", store.lastPosition());
    String note = "the highest position a catch-up reader sees now";
    if (horizonHolder == null) {
      horizon.putNull("heldBackBy");
      horizon.put("note", note + "; this console was not told how to find what holds it back");
      return horizon;
    }
    try {
      Optional<String> holder = Objects.requireNonNull(horizonHolder.get(), "the horizon holder answered null");
      if (holder.isPresent()) {
        horizon.put("heldBackBy", holder.get());
        horizon.put("note", note + "; no later transaction's events show until what holds it back ends");
      } else {
        horizon.putNull("heldBackBy");
        horizon.put("note", note + "; nothing holds it back");
      }
    } catch (RuntimeException e) {
      horizon.putNull("heldBackBy");
      horizon.put("note", note + "; what holds it back could not be told: " + e.getMessage());
    }
    return horizon;
  }

  /**
   * Counts the events after {@code from}, at most {@code limit}; returns whether it read to the
   * end. A background count also stops early once {@link #stopped}.
   */
  private boolean catchUp(long from, long limit, boolean background) {
    LongFunction<EventQuery> after = p -> {
      EventQuery.Builder b = EventQuery.builder().sortBy(SortField.POSITION);
      if (p > 0) {
        b.afterPosition(p);
      }
      return b.build();
    };
    var visitor = new Reading.Visitor() {
      long seen;
      boolean cut;

      @Override
      public boolean event(Event<?> e) {
        lock.lock();
        try {
          count(e.position(), e.name());
          AggregateRef ref = e.aggregateOrNull();
          if (ref != null) {
            aggregates.computeIfAbsent(ref.name(), n -> new HashSet<>()).add(ref.id());
          }
          perMinute.merge(e.time().getEpochSecond() / 60, 1L, Long::sum);
        } finally {
          lock.unlock();
        }
        return goOn();
      }

      @Override
      public boolean undecodable(EventDecodingException failure) {
        lock.lock();
        try {
          // counted by name; its time and aggregate are not known without decoding it
          count(failure.position(), failure.eventName());
          undecodable++;
        } finally {
          lock.unlock();
        }
        return goOn();
      }

      private boolean goOn() {
        cut = ++seen >= limit || (background && stopped);
        return !cut;
      }
    };
    Reading.read(store, after, from, visitor);
    return !visitor.cut;
  }

  private void count(long position, String name) {
    readTo = Math.max(readTo, position);
    total++;
    names.merge(name, 1L, Long::sum);
  }

  private ObjectNode render() {
    ObjectNode n = Json.NODES.objectNode();
    n.put("eventCount", total);
    n.put("lastPosition", readTo);
    n.put("undecodableCount", undecodable);
    ArrayNode nameList = n.putArray("names");
    names.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> nameList.addObject().put("name", e.getKey()).put("count", e.getValue()));
    ArrayNode types = n.putArray("aggregates");
    new TreeMap<>(aggregates).forEach((type, ids) -> types.addObject().put("type", type).put("count", ids.size()));
    n.set("throughput", throughput());
    return n;
  }

  /** Events per time bucket over the whole store, in at most {@link #MAX_BUCKETS} buckets. */
  private ObjectNode throughput() {
    ObjectNode t = Json.NODES.objectNode();
    ArrayNode buckets = t.putArray("buckets");
    if (perMinute.isEmpty()) {
      t.put("bucketSeconds", 60);
      return t;
    }
    long first = perMinute.firstKey();
    long span = perMinute.lastKey() - first + 1;
    long width = Math.max(1, (span + MAX_BUCKETS - 1) / MAX_BUCKETS);
    t.put("bucketSeconds", width * 60);
    var merged = new TreeMap<Long, Long>();
    perMinute.forEach((minute, count) -> merged.merge(first + (minute - first) / width * width, count, Long::sum));
    for (long start = first; start <= perMinute.lastKey(); start += width) {
      buckets.addObject()
          .put("start", Instant.ofEpochSecond(start * 60).toString())
          .put("count", merged.getOrDefault(start, 0L));
    }
    return t;
  }
}
