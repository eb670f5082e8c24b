package dev.fabula.memory;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Holds {@link MemoryEventStore}'s events column by column in fixed-size {@link Chunk chunks}
 * indexed by position - 1, not as {@link Event} objects: a stored event costs its data object and
 * a few array slots, so the garbage collector has one object per event to copy instead of five
 * (event, id, time, aggregate reference, data). The first read of an event builds the {@code
 * Event} and keeps it for later reads (replays, loads), so what is read again costs no allocation.
 *
 * <p>The store's writer fills slots under its lock and then {@link #publish publishes} them by
 * writing {@code size} (volatile); readers never lock: they read {@link #size()} and then {@link
 * #chunks()}, so they see a prefix that is complete.
 */
final class EventColumns {
  private static final int CHUNK_BITS = 12;
  /** Events per chunk: small enough that a chunk's arrays are ordinary (not humongous) objects. */
  private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
  private static final int CHUNK_MASK = CHUNK_SIZE - 1;

  private volatile Chunk[] chunks = new Chunk[16];
  private volatile int size;

  /**
   * The events at {@code CHUNK_SIZE} consecutive positions, one array per field. Slots are
   * written once, before {@code size} publishes them; a delete only clears {@code data}.
   */
  static final class Chunk {
    final long[] idHi = new long[CHUNK_SIZE];
    final long[] idLo = new long[CHUNK_SIZE];
    final long[] seconds = new long[CHUNK_SIZE];
    final int[] nanos = new int[CHUNK_SIZE];
    final String[] names = new String[CHUNK_SIZE];
    /** The event's data; {@code null} once the event is deleted. */
    final @Nullable Object[] data = new Object[CHUNK_SIZE];
    final Metadata[] metadata = new Metadata[CHUNK_SIZE];
    /** The aggregate, or {@code null} for an event without one. */
    final AggregateStream.@Nullable Key[] aggregates = new AggregateStream.Key[CHUNK_SIZE];
    final int[] versions = new int[CHUNK_SIZE];
    /**
     * The event as built by its first read, kept for the next ones; {@code null} until then.
     * Readers may race to build it: they build equal, immutable events, and any of them may stay.
     */
    final @Nullable Event<?>[] built = new Event<?>[CHUNK_SIZE];
  }

  /** How many positions are published (volatile read: read it before {@link #chunks()}). */
  int size() {
    return size;
  }

  /** The chunks, holding at least every published position. */
  Chunk[] chunks() {
    return chunks;
  }

  /** Publishes positions up to {@code newSize}, whose slots are written; under the lock. */
  void publish(int newSize) {
    size = newSize;
  }

  /** The chunks, grown (and published) to hold {@code capacity} events; under the lock. */
  Chunk[] chunksFor(int capacity) {
    Chunk[] cs = chunks;
    int needed = (capacity + CHUNK_MASK) >>> CHUNK_BITS;
    if (needed > cs.length) {
      cs = Arrays.copyOf(cs, Math.max(cs.length * 2, needed));
    }
    // Chunks are made in order, so only the last ones can be missing.
    int missing = needed;
    while (missing > 0 && cs[missing - 1] == null) {
      missing--;
    }
    if (missing == needed && cs == chunks) {
      return cs;
    }
    for (int k = missing; k < needed; k++) {
      cs[k] = new Chunk();
    }
    chunks = cs; // published before size, so a reader that sees a position sees its chunk
    return cs;
  }

  /** Writes {@code e} to the slot of {@code position}, of aggregate {@code key} (or none). */
  static void write(Chunk[] cs, int position, Event<?> e, AggregateStream.@Nullable Key key, int version) {
    Chunk c = cs[(position - 1) >>> CHUNK_BITS];
    int slot = (position - 1) & CHUNK_MASK;
    UUID id = e.id();
    Instant time = e.time();
    c.idHi[slot] = id.getMostSignificantBits();
    c.idLo[slot] = id.getLeastSignificantBits();
    c.seconds[slot] = time.getEpochSecond();
    c.nanos[slot] = time.getNano();
    c.names[slot] = e.name();
    c.data[slot] = e.data();
    c.metadata[slot] = e.metadata();
    c.aggregates[slot] = key;
    c.versions[slot] = version;
  }

  /**
   * Clears the event at {@code position}, so it reads as deleted, and returns its aggregate. The
   * other fields stay: the store's ascending id list still orders by the id. Under the lock.
   */
  static AggregateStream.@Nullable Key clear(Chunk[] cs, int position) {
    Chunk c = cs[(position - 1) >>> CHUNK_BITS];
    int slot = (position - 1) & CHUNK_MASK;
    c.data[slot] = null;
    c.built[slot] = null;
    return c.aggregates[slot];
  }

  /** Orders the id stored at {@code position} against {@code hi, lo}, as unsigned 128-bit numbers. */
  static int compareIdAt(Chunk[] cs, int position, long hi, long lo) {
    Chunk c = cs[(position - 1) >>> CHUNK_BITS];
    int slot = (position - 1) & CHUNK_MASK;
    return compareIds(c.idHi[slot], c.idLo[slot], hi, lo);
  }

  /** Whether the event at {@code position} is not deleted. */
  static boolean isLive(Chunk[] cs, int position) {
    return cs[(position - 1) >>> CHUNK_BITS].data[(position - 1) & CHUNK_MASK] != null;
  }

  /** The aggregate version of the event at {@code position}. */
  static int versionAt(Chunk[] cs, int position) {
    return cs[(position - 1) >>> CHUNK_BITS].versions[(position - 1) & CHUNK_MASK];
  }

  /** The event stored at {@code position}, built from its slot; null when it was deleted. */
  static @Nullable Event<?> eventAt(Chunk[] cs, int position) {
    Chunk c = cs[(position - 1) >>> CHUNK_BITS];
    int slot = (position - 1) & CHUNK_MASK;
    Object data = c.data[slot]; // first: a deleted event is never returned from the cache
    if (data == null) {
      return null;
    }
    Event<?> e = c.built[slot];
    if (e == null) {
      e = build(c, slot, data, position);
      c.built[slot] = e;
    }
    return e;
  }

  /** Orders two ids as unsigned 128-bit numbers, as their 16 bytes compare. */
  static int compareIds(long hiA, long loA, long hiB, long loB) {
    int c = Long.compareUnsigned(hiA, hiB);
    return c != 0 ? c : Long.compareUnsigned(loA, loB);
  }

  /** The event of a slot, from its columns. */
  private static Event<?> build(Chunk c, int slot, Object data, int position) {
    AggregateStream.Key key = c.aggregates[slot];
    return Event.of(
        new UUID(c.idHi[slot], c.idLo[slot]),
        c.names[slot],
        Instant.ofEpochSecond(c.seconds[slot], c.nanos[slot]),
        data,
        key == null ? null : new AggregateRef(key.name(), key.id(), c.versions[slot]),
        c.metadata[slot],
        position);
  }
}
