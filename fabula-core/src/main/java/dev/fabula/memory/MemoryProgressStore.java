package dev.fabula.memory;

import dev.fabula.ClosedException;
import dev.fabula.projection.ProgressStore;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The in-memory {@link ProgressStore}: a concurrent map; {@code advance} is an atomic replace. */
final class MemoryProgressStore implements ProgressStore {
  private final ConcurrentHashMap<String, Long> positions = new ConcurrentHashMap<>();
  private volatile boolean closed;

  @Override
  public long position(String projection) {
    ensureOpen();
    return positions.getOrDefault(ProgressStore.checkName(projection), 0L);
  }

  @Override
  public boolean advance(String projection, long expected, long position) {
    ensureOpen();
    ProgressStore.checkAdvance(projection, expected, position);
    if (expected == 0) {
      // Absent and 0 are the same position.
      Long previous = positions.putIfAbsent(projection, position);
      return previous == null || (previous == 0 && positions.replace(projection, 0L, position));
    }
    return positions.replace(projection, expected, position);
  }

  @Override
  public void reset(String projection) {
    ensureOpen();
    positions.remove(ProgressStore.checkName(projection));
  }

  @Override
  public SortedMap<String, Long> positions() {
    ensureOpen();
    return Collections.unmodifiableSortedMap(new TreeMap<>(positions));
  }

  @Override
  public void close() {
    closed = true;
  }


  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("progress store");
    }
  }
}
