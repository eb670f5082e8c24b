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
 */
final class Overview {
  static final int MAX_BUCKETS = 60;

  private final EventStore store;
  private final ReentrantLock lock = new ReentrantLock();
  private long readTo;
  private long total;
  private long undecodable;
  private final Map<String, Long> names = new HashMap<>();
  private final Map<String, Set<UUID>> aggregates = new HashMap<>();
  private final TreeMap<Long, Long> perMinute = new TreeMap<>();

  private final @Nullable Supplier<Optional<String>> horizonHolder;

  Overview(EventStore store, @Nullable Supplier<Optional<String>> horizonHolder) {
    this.store = store;
    this.horizonHolder = horizonHolder;
  }

  ObjectNode answer() {
    ObjectNode n;
    lock.lock();
    try {
      catchUp();
      n = render();
    } finally {
      lock.unlock();
    }
    n.set("safeHorizon", horizon());
    return n;
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

  private void catchUp() {
    LongFunction<EventQuery> after = p -> {
      EventQuery.Builder b = EventQuery.builder().sortBy(SortField.POSITION);
      if (p > 0) {
        b.afterPosition(p);
      }
      return b.build();
    };
    Reading.read(store, after, readTo, new Reading.Visitor() {
      @Override
      public boolean event(Event<?> e) {
        count(e.position(), e.name());
        AggregateRef ref = e.aggregateOrNull();
        if (ref != null) {
          aggregates.computeIfAbsent(ref.name(), n -> new HashSet<>()).add(ref.id());
        }
        perMinute.merge(e.time().getEpochSecond() / 60, 1L, Long::sum);
        return true;
      }

      @Override
      public boolean undecodable(EventDecodingException failure) {
        // counted by name; its time and aggregate are not known without decoding it
        count(failure.position(), failure.eventName());
        undecodable++;
        return true;
      }
    });
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
