package dev.fabula.projection;

import dev.fabula.event.Event;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Remembers what a job handed out through {@link Job#eventsFor}, per projection, and moves each
 * projection's cursor past it when the job's handler returns normally. Used by the job's thread
 * only.
 */
final class HandedOut {
  private final Map<Projection, Reading> reads = new IdentityHashMap<>();

  /** What the job handed out for one projection. */
  private static final class Reading {
    final Cursors.Cursor cursor;
    /** The position of the last event handed out (or where the reading started). */
    long delivered;
    /** Whether a stream was read to its end. */
    boolean exhausted;

    Reading(Cursors.Cursor cursor, long start) {
      this.cursor = cursor;
      this.delivered = start;
    }
  }

  /**
   * The stream {@code events} opens, the events for {@code projection} after {@code after}, noting
   * each event it hands out and whether it ran out.
   */
  Stream<Event<?>> track(
      Projection projection, Cursors.Cursor cursor, long after, Supplier<Stream<Event<?>>> events) {
    Reading reading = reads.computeIfAbsent(projection, k -> new Reading(cursor, after));
    Stream<Event<?>> s = events.get();
    Spliterator<Event<?>> inner = s.spliterator();
    Spliterator<Event<?>> outer =
        new Spliterators.AbstractSpliterator<Event<?>>(
            Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
          @Override
          public boolean tryAdvance(Consumer<? super Event<?>> action) {
            boolean more =
                inner.tryAdvance(
                    e -> {
                      reading.delivered = Math.max(reading.delivered, e.position());
                      action.accept(e);
                    });
            if (!more) {
              reading.exhausted = true;
            }
            return more;
          }
        };
    return StreamSupport.stream(outer, false).onClose(s::close);
  }

  /**
   * Each projection handed events and not {@code appliedByJob} moves past what it was handed — to
   * {@code head} if a stream of an un-narrowed job was read to its end. A {@link ProgressAware}
   * one moved its progress itself; its cursor only mirrors it.
   */
  void settle(Predicate<Projection> appliedByJob, boolean narrowed, long head) {
    for (Map.Entry<Projection, Reading> entry : reads.entrySet()) {
      Projection projection = entry.getKey();
      if (appliedByJob.test(projection)) {
        continue; // apply moved it, event by event
      }
      Reading r = entry.getValue();
      ReentrantLock lock = ProjectionLocks.of(projection);
      lock.lock();
      try {
        if (projection instanceof ProgressAware progress) {
          r.cursor.position = progress.progress();
        } else {
          long to = r.exhausted && !narrowed ? head : r.delivered;
          if (to > r.cursor.position) {
            r.cursor.position = to;
          }
        }
        r.cursor.failure = null;
      } finally {
        lock.unlock();
      }
    }
  }
}
