package dev.fabula.projection;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a schedule's latest dead letters, at most {@value #CAPACITY}, dropping the oldest: safe to
 * add to from every job thread while {@link Schedule#deadLetters()} reads them and {@link
 * Schedule#retry}/{@link Schedule#evict} take them out. Each letter is kept with the projection
 * instance it failed in (which the public {@link DeadLetter} does not expose), so a retry applies
 * it to that very instance and a reset of the instance drops its letters.
 */
final class DeadLetters {
  static final int CAPACITY = 10_000;

  /** A letter, the projection instance it belongs to, and its place in the list. */
  record Entry(long seq, DeadLetter letter, Projection projection) {}

  private final ScheduleListener listener;
  private final ReentrantLock lock = new ReentrantLock();
  /** By sequence number: oldest first. A retried letter goes back to its place. */
  private final TreeMap<Long, Entry> letters = new TreeMap<>();
  private long next;

  DeadLetters(ScheduleListener listener) {
    this.listener = listener;
  }

  void add(DeadLetter letter, Projection projection) {
    List<DeadLetter> dropped;
    lock.lock();
    try {
      long seq = next++;
      letters.put(seq, new Entry(seq, letter, projection));
      dropped = trim();
    } finally {
      lock.unlock();
    }
    report(dropped, DeadLetter.Removal.OVERFLOW);
  }

  private List<DeadLetter> trim() {
    List<DeadLetter> dropped = List.of();
    while (letters.size() > CAPACITY) {
      if (dropped.isEmpty()) {
        dropped = new ArrayList<>();
      }
      dropped.add(letters.pollFirstEntry().getValue().letter());
    }
    return dropped;
  }

  /** Tells the listener, outside the lock, that {@code removed} left the list. */
  void report(List<DeadLetter> removed, DeadLetter.Removal why) {
    for (DeadLetter l : removed) {
      ListenerCalls.safely(() -> listener.deadLetterRemoved(l, why));
    }
  }

  /** The letters kept, oldest first. */
  List<DeadLetter> snapshot() {
    lock.lock();
    try {
      var out = new ArrayList<DeadLetter>(letters.size());
      letters.values().forEach(e -> out.add(e.letter()));
      return List.copyOf(out);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The entry of {@code letter}: the one holding this very record if any, else the first of its
   * projection (by name) and event id, or null.
   */
  @Nullable Entry find(DeadLetter letter) {
    lock.lock();
    try {
      Entry same = null;
      for (Entry e : letters.values()) {
        if (e.letter() == letter) {
          return e;
        }
        if (same == null
            && e.letter().projection().equals(letter.projection())
            && e.letter().eventId().equals(letter.eventId())) {
          same = e;
        }
      }
      return same;
    } finally {
      lock.unlock();
    }
  }

  /** Takes {@code entry} out; false if it is no longer kept (claimed, evicted, dropped). */
  boolean claim(Entry entry) {
    lock.lock();
    try {
      return letters.remove(entry.seq(), entry);
    } finally {
      lock.unlock();
    }
  }

  /** Puts a claimed entry back at its place, carrying {@code letter}. */
  void restore(Entry entry, DeadLetter letter) {
    List<DeadLetter> dropped;
    lock.lock();
    try {
      letters.put(entry.seq(), new Entry(entry.seq(), letter, entry.projection()));
      dropped = trim();
    } finally {
      lock.unlock();
    }
    report(dropped, DeadLetter.Removal.OVERFLOW);
  }

  /** Removes the entry of {@code letter} (see {@link #find}); returns the removed letter, or null. */
  @Nullable DeadLetter evict(DeadLetter letter) {
    lock.lock();
    try {
      Entry e = find(letter);
      if (e == null) {
        return null;
      }
      letters.remove(e.seq());
      return e.letter();
    } finally {
      lock.unlock();
    }
  }

  /** Removes the letters of {@code projection} (by identity), telling the listener. */
  void dropFor(Projection projection) {
    var out = new ArrayList<DeadLetter>();
    lock.lock();
    try {
      for (Iterator<Entry> it = letters.values().iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (e.projection() == projection) {
          out.add(e.letter());
          it.remove();
        }
      }
    } finally {
      lock.unlock();
    }
    report(out, DeadLetter.Removal.RESET);
  }
}
