package dev.fabula.console;

import dev.fabula.codec.UnknownNameException;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.proxy.ForwardingEventStore;
import java.util.stream.Stream;

/**
 * A store that cannot decode events of one name, as PostgreSQL's and MongoDB's stores cannot when
 * the application's registry does not know a stored name: their query streams end with an {@link
 * EventDecodingException} at that event (see the PostgreSQL EventReader).
 */
final class UndecodingStore extends ForwardingEventStore {
  private final String undecodable;

  UndecodingStore(EventStore delegate, String undecodable) {
    super(delegate);
    this.undecodable = undecodable;
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    return delegate.query(query).map(e -> {
      if (e.name().equals(undecodable)) {
        throw new EventDecodingException(e.id(), e.name(), e.position(), new UnknownNameException(e.name()));
      }
      return e;
    });
  }
}
