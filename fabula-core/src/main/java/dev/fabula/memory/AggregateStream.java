package dev.fabula.memory;

import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The positions of one aggregate's events in {@link MemoryEventStore}, in version order, so that
 * reading one aggregate touches only its own events. Appended under the store's lock and
 * published by {@code count} (volatile); a reader reads {@link #count()} before {@link
 * #positions()} (also volatile, for the array a writer grows), so the array it gets holds at least
 * that many slots, each written before the count that covers it. Replaced, never shrunk, when
 * events are deleted.
 */
final class AggregateStream {
  /** An aggregate's name and id: the key of its stream, shared by the slots of its events. */
  record Key(String name, UUID id) {}

  /** The aggregate: the same object as the stream's key in the map, and in every slot of it. */
  private final Key key;
  // Volatile, written only when the array grows: a lock-free reader reads count first, then this,
  // and may see an array newer than that count (a writer grew it since). Through a plain field it
  // could see the new array without the slots copied into it; the volatile write of the grown
  // array publishes them. Slots written after a count was read are never read against it.
  private volatile int[] positions;
  private volatile int count;
  private int version;
  // Whether the event at index i has version i + 1 (true for every stream built by inserts
  // alone). Only ever turns false, before count publishes the slot that broke it.
  private boolean dense = true;

  AggregateStream(Key key, int capacity) {
    this.key = key;
    positions = new int[Math.max(capacity, 2)];
  }

  Key key() {
    return key;
  }

  /** The version of the stream's last event; under the lock (0 for none). */
  int version() {
    return version;
  }

  /** How many events the stream holds (volatile read: read it before {@link #positions()}). */
  int count() {
    return count;
  }

  /** The positions, of which the first {@link #count()} are the stream's. */
  int[] positions() {
    return positions;
  }

  /** Whether the event at index i has version i + 1, so a version range is an index range. */
  boolean dense() {
    return dense;
  }

  /** Appends the event at {@code position} with {@code newVersion}; under the lock. */
  void append(int position, int newVersion) {
    int[] p = positions;
    if (count == p.length) {
      p = Arrays.copyOf(p, p.length * 2);
      positions = p; // volatile write publishes the copied slots
    }
    p[count] = position;
    if (newVersion != count + 1) {
      dense = false;
    }
    version = newVersion;
    count = count + 1; // volatile write publishes the slot
  }

  /**
   * This stream without its deleted events, so its version is the highest one left; {@code null}
   * when none is left. Under the lock.
   */
  @Nullable AggregateStream withoutDeleted(EventColumns.Chunk[] cs) {
    var fresh = new AggregateStream(key, count);
    int[] p = positions;
    for (int i = 0; i < count; i++) {
      int position = p[i];
      if (EventColumns.isLive(cs, position)) {
        fresh.append(position, EventColumns.versionAt(cs, position));
      }
    }
    return fresh.count == 0 ? null : fresh;
  }

  @Override
  public String toString() {
    return "AggregateStream[" + Objects.toString(key) + ", count=" + count + ", version=" + version + "]";
  }
}
