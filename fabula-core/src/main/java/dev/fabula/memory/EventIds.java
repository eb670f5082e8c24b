package dev.fabula.memory;

import java.util.Arrays;
import java.util.UUID;

/**
 * Finds {@link MemoryEventStore}'s events by id. An event whose id is greater than every id stored
 * before (the usual case: UUIDv7 ids rise with time) cannot be a duplicate, so it is indexed
 * without a probe, its position appended to {@code ascending}: a list sorted by id because it is
 * sorted by position, which {@link #locate} binary-searches. Any other id (chosen by the caller,
 * or raced past by another thread's newer one) goes to the hash {@link IdIndex}.
 *
 * <p>Writes happen under the store's lock; {@link #locate} takes none.
 */
final class EventIds {
  private final EventColumns columns;
  private final IdIndex byId = new IdIndex();
  /** Positions of the events stored with a new greatest id, in position (and so id) order. */
  private volatile int[] ascending = new int[1024];
  private volatile int ascendingCount;
  // The greatest id stored so far, as unsigned 128-bit number; written under the lock.
  private boolean any;
  private long greatestHi;
  private long greatestLo;

  EventIds(EventColumns columns) {
    this.columns = columns;
  }

  /** Whether {@code id} is greater than every id stored, so it cannot be stored already; under the lock. */
  boolean aboveAll(UUID id) {
    return !any
        || EventColumns.compareIds(id.getMostSignificantBits(), id.getLeastSignificantBits(), greatestHi, greatestLo) > 0;
  }

  /** Records that {@code id} is stored at {@code position}; under the lock, before the position is published. */
  void index(UUID id, int position) {
    if (aboveAll(id)) {
      any = true;
      greatestHi = id.getMostSignificantBits();
      greatestLo = id.getLeastSignificantBits();
      int count = ascendingCount;
      int[] a = ascending;
      if (count == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
        ascending = a;
      }
      a[count] = position;
      ascendingCount = count + 1; // volatile write publishes the entry
    } else {
      byId.put(id, position);
    }
  }

  /** Forgets where {@code id} was stored, once its event is deleted; under the lock. */
  void remove(UUID id) {
    byId.remove(id);
  }

  /**
   * The position of the live (not deleted) event with this id, or 0. Reads the published size
   * first: everything inserted before it is visible, and answers beyond it are unfinished inserts.
   */
  int locate(UUID id) {
    int end = columns.size();
    EventColumns.Chunk[] cs = columns.chunks();
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    // The hash index may race with a write and return a stale slot: check the id at it.
    int position = byId.get(id);
    if (position >= 1 && position <= end
        && EventColumns.compareIdAt(cs, position, hi, lo) == 0 && EventColumns.isLive(cs, position)) {
      return position;
    }
    int count = ascendingCount; // before the array: the array read next holds at least count
    int[] a = ascending;
    int low = 0;
    int high = count - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int p = a[mid];
      if (p > end) { // positions ascend with ids: everything from here on is unfinished
        high = mid - 1;
        continue;
      }
      int cmp = EventColumns.compareIdAt(cs, p, hi, lo);
      if (cmp == 0) {
        return EventColumns.isLive(cs, p) ? p : 0;
      }
      if (cmp < 0) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return 0;
  }

  @Override
  public String toString() {
    return "EventIds[ascending=" + ascendingCount + ", " + byId + "]";
  }
}
