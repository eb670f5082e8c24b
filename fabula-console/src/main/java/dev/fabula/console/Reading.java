package dev.fabula.console;

import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.util.Iterator;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * Reads events in position order and goes on past an event the store cannot decode (a name the
 * application's registry does not know, a payload that no longer fits): the store's stream ends
 * with an {@link EventDecodingException} naming the event's position, and the read resumes after
 * it. The console shows such an event by its id, name and position, and never its payload.
 */
final class Reading {
  private Reading() {}

  /** What a read does with each event; returning {@code false} stops it. */
  interface Visitor {
    boolean event(Event<?> event);

    boolean undecodable(EventDecodingException failure);
  }

  /**
   * Reads the events {@code after(p)} matches, starting with {@code p = start}; {@code after} must
   * sort by position and select only events after {@code p}.
   */
  static void read(EventStore store, LongFunction<EventQuery> after, long start, Visitor visitor) {
    long from = start;
    while (true) {
      try (Stream<Event<?>> events = store.query(after.apply(from))) {
        for (Iterator<Event<?>> it = events.iterator(); it.hasNext(); ) {
          Event<?> e = it.next();
          from = e.position();
          if (!visitor.event(e)) {
            return;
          }
        }
        return;
      } catch (EventDecodingException failure) {
        if (failure.position() <= from) {
          throw failure; // no progress past it: do not read the same failure forever
        }
        from = failure.position();
        if (!visitor.undecodable(failure)) {
          return;
        }
      }
    }
  }
}
