package dev.fabula.memory;

import java.util.UUID;

/**
 * Event id to position, for {@link MemoryEventStore}: an open-addressing hash table over primitive
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
    final long[] msb;
    final long[] lsb;
    final int[] positions; // EMPTY, DELETED or a position >= 1
    final int mask;
    int used; // slots not EMPTY (live or deleted)

    Table(int capacity) {
      msb = new long[capacity];
      lsb = new long[capacity];
      positions = new int[capacity];
      mask = capacity - 1;
    }
  }

  private volatile Table table = new Table(1 << 12);

  /** The position stored for {@code id}, or 0. The caller verifies the event at it. */
  int get(UUID id) {
    Table t = table;
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    for (int i = slot(hi, lo, t.mask); ; i = (i + 1) & t.mask) {
      int p = t.positions[i];
      if (p == EMPTY) {
        return 0;
      }
      if (p != DELETED && t.msb[i] == hi && t.lsb[i] == lo) {
        return p;
      }
    }
  }

  /** Maps {@code id} to {@code position}; under the write lock. */
  void put(UUID id, int position) {
    Table t = table;
    if ((t.used + 1) * 2 > t.positions.length) {
      t = grow(t);
    }
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    int i = slot(hi, lo, t.mask);
    while (t.positions[i] != EMPTY && !(t.msb[i] == hi && t.lsb[i] == lo)) {
      i = (i + 1) & t.mask;
    }
    if (t.positions[i] == EMPTY) {
      t.used++;
    }
    // Key first, position last: a racing reader that sees the position sees a usable slot or,
    // at worst, a key it rejects.
    t.msb[i] = hi;
    t.lsb[i] = lo;
    t.positions[i] = position;
  }

  /** Forgets {@code id}, leaving a tombstone so probing continues past it; under the write lock. */
  void remove(UUID id) {
    Table t = table;
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    for (int i = slot(hi, lo, t.mask); t.positions[i] != EMPTY; i = (i + 1) & t.mask) {
      if (t.msb[i] == hi && t.lsb[i] == lo) {
        t.positions[i] = DELETED;
        return;
      }
    }
  }

  private Table grow(Table old) {
    int live = 0;
    for (int p : old.positions) {
      if (p > 0) {
        live++;
      }
    }
    int capacity = old.positions.length;
    while ((live + 1) * 4 > capacity) { // new table at most a quarter full
      capacity <<= 1;
    }
    Table t = new Table(capacity);
    for (int j = 0; j < old.positions.length; j++) {
      int p = old.positions[j];
      if (p > 0) {
        int i = slot(old.msb[j], old.lsb[j], t.mask);
        while (t.positions[i] != EMPTY) {
          i = (i + 1) & t.mask;
        }
        t.msb[i] = old.msb[j];
        t.lsb[i] = old.lsb[j];
        t.positions[i] = p;
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
    return "IdIndex[capacity=" + t.positions.length + ", used=" + t.used + "]";
  }
}
