package dev.fabula.memory;

import java.util.UUID;

/**
 * Event id to position, for {@link MemoryEventStore}'s events whose ids arrived out of order
 * (ids in rising order are found by binary search instead): an open-addressing hash table over primitive
 * arrays, so that millions of stored events cost no map node objects (which the garbage collector
 * would otherwise copy and trace for every stored event).
 *
 * <p>Writes happen under the store's write lock. Reads take no lock and may race with a write of
 * the batch being inserted; a read can therefore return a stale or unfinished slot, so callers
 * check the event found at the returned position really has the id. Published data (everything
 * inserted before the store's volatile {@code size} was written) is always found.
 */
final class IdIndex {
  private static final int EMPTY = 0;
  private static final int DELETED = -1;

  /** One generation of the table; replaced whole on growth. */
  private static final class Table {
    /**
     * Slot {@code i} is {@code slots[3i]} (id's high bits), {@code slots[3i + 1]} (low bits) and
     * {@code slots[3i + 2]} (EMPTY, DELETED or a position >= 1): one slot's three words sit
     * together, so a probe into a table of millions costs one cache miss, not three.
     */
    final long[] slots;
    final int mask;
    int used; // slots not EMPTY (live or deleted)

    Table(int capacity) {
      slots = new long[capacity * 3];
      mask = capacity - 1;
    }

    int capacity() {
      return mask + 1;
    }
  }

  private volatile Table table = new Table(1 << 12);

  /** The position stored for {@code id}, or 0. The caller verifies the event at it. */
  int get(UUID id) {
    Table t = table;
    long[] s = t.slots;
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    for (int i = slot(hi, lo, t.mask); ; i = (i + 1) & t.mask) {
      long p = s[3 * i + 2];
      if (p == EMPTY) {
        return 0;
      }
      if (p != DELETED && s[3 * i] == hi && s[3 * i + 1] == lo) {
        return (int) p;
      }
    }
  }

  /** Maps {@code id} to {@code position}; under the write lock. */
  void put(UUID id, int position) {
    Table t = table;
    if ((t.used + 1) * 2 > t.capacity()) {
      t = grow(t);
    }
    long[] s = t.slots;
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    int i = slot(hi, lo, t.mask);
    while (s[3 * i + 2] != EMPTY && !(s[3 * i] == hi && s[3 * i + 1] == lo)) {
      i = (i + 1) & t.mask;
    }
    if (s[3 * i + 2] == EMPTY) {
      t.used++;
    }
    // Key first, position last: a racing reader that sees the position sees a usable slot or,
    // at worst, a key it rejects.
    s[3 * i] = hi;
    s[3 * i + 1] = lo;
    s[3 * i + 2] = position;
  }

  /** Forgets {@code id}, leaving a tombstone so probing continues past it; under the write lock. */
  void remove(UUID id) {
    Table t = table;
    long[] s = t.slots;
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    for (int i = slot(hi, lo, t.mask); s[3 * i + 2] != EMPTY; i = (i + 1) & t.mask) {
      if (s[3 * i] == hi && s[3 * i + 1] == lo) {
        s[3 * i + 2] = DELETED;
        return;
      }
    }
  }

  private Table grow(Table old) {
    long[] from = old.slots;
    int live = 0;
    for (int j = 0; j < old.capacity(); j++) {
      if (from[3 * j + 2] > 0) {
        live++;
      }
    }
    int capacity = old.capacity();
    while ((live + 1) * 4 > capacity) { // new table at most a quarter full
      capacity <<= 1;
    }
    Table t = new Table(capacity);
    long[] to = t.slots;
    for (int j = 0; j < old.capacity(); j++) {
      long p = from[3 * j + 2];
      if (p > 0) {
        int i = slot(from[3 * j], from[3 * j + 1], t.mask);
        while (to[3 * i + 2] != EMPTY) {
          i = (i + 1) & t.mask;
        }
        to[3 * i] = from[3 * j];
        to[3 * i + 1] = from[3 * j + 1];
        to[3 * i + 2] = p;
        t.used++;
      }
    }
    table = t; // published complete
    return t;
  }

  private static int slot(long hi, long lo, int mask) {
    long h = hi ^ lo;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) h & mask;
  }

  @Override
  public String toString() {
    Table t = table;
    return "IdIndex[capacity=" + t.capacity() + ", used=" + t.used + "]";
  }
}
