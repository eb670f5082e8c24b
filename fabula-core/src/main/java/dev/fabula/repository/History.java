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
 * @param events its events matching the query, in version order
 */
public record History(String aggregateName, UUID aggregateId, List<Event<?>> events) {
  /** Validates and copies. */
  public History {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    events = List.copyOf(events);
  }
}
