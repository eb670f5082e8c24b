package dev.fabula.repository;

import dev.fabula.event.Event;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The stored events of one aggregate, oldest first, as returned by {@link Repository#query}.
 *
 * @param aggregateName the aggregate's name
 * @param aggregateId the aggregate's id
 * @param events its events from version 1, in version order (up to the query's version cap)
 */
public record History(String aggregateName, UUID aggregateId, List<Event<?>> events) {
  /** Validates and copies. */
  public History {
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    events = List.copyOf(events);
  }
}
