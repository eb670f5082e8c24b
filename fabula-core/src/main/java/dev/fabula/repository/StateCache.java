package dev.fabula.repository;

import dev.fabula.snapshot.Snapshot;
import java.util.LinkedHashMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The states of recently used aggregates of one repository, as immutable {@link Snapshot}s kept
 * in memory, least recently used evicted first. Entries are snapshots rather than aggregate
 * objects so that nothing mutable is shared: every {@code use} restores its own fresh aggregate.
 *
 * <p>Split into independently locked segments so concurrent writers of different aggregates
 * rarely wait on each other. A put never replaces a newer version with an older one, so a slow
 * loader cannot push back a state a faster writer already moved on from.
 */
final class StateCache {
  private static final int MAX_SEGMENTS = 16;

  private final Segment[] segments;

  StateCache(int maxAggregates) {
    if (maxAggregates < 1) {
      throw new IllegalArgumentException("a cache must hold at least 1 aggregate, got " + maxAggregates);
    }
    int count = Math.min(MAX_SEGMENTS, maxAggregates);
    segments = new Segment[count];
    for (int i = 0; i < count; i++) {
      // Spread the capacity so the segments together hold at most maxAggregates.
      segments[i] = new Segment(maxAggregates / count + (i < maxAggregates % count ? 1 : 0));
    }
  }

  /** The cached state of {@code id}, or null. */
  @Nullable Snapshot get(UUID id) {
    Segment s = segment(id);
    s.lock.lock();
    try {
      return s.entries.get(id);
    } finally {
      s.lock.unlock();
    }
  }

  /** Caches {@code state} unless a newer version of the same aggregate is cached already. */
  void put(Snapshot state) {
    Segment s = segment(state.aggregateId());
    s.lock.lock();
    try {
      Snapshot held = s.entries.get(state.aggregateId());
      if (held == null || held.version() < state.version()) {
        s.entries.put(state.aggregateId(), state);
        if (s.entries.size() > s.capacity) { // evict the least recently used
          var eldest = s.entries.entrySet().iterator();
          eldest.next();
          eldest.remove();
        }
      }
    } finally {
      s.lock.unlock();
    }
  }

  /** Forgets {@code id}. */
  void remove(UUID id) {
    Segment s = segment(id);
    s.lock.lock();
    try {
      s.entries.remove(id);
    } finally {
      s.lock.unlock();
    }
  }

  /** How many aggregates are cached (for tests). */
  int size() {
    int n = 0;
    for (Segment s : segments) {
      s.lock.lock();
      try {
        n += s.entries.size();
      } finally {
        s.lock.unlock();
      }
    }
    return n;
  }

  private Segment segment(UUID id) {
    int h = id.hashCode();
    h ^= h >>> 16;
    return segments[Math.floorMod(h, segments.length)];
  }

  /** One lock and one access-ordered map. */
  private static final class Segment {
    final ReentrantLock lock = new ReentrantLock();
    final LinkedHashMap<UUID, Snapshot> entries = new LinkedHashMap<>(16, 0.75f, true);
    final int capacity;

    Segment(int capacity) {
      this.capacity = capacity;
    }
  }
}
