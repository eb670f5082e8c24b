package dev.fabula.command;

import java.util.Objects;
import java.util.UUID;

/**
 * The aggregate a command is addressed to. Unlike an event's {@link dev.fabula.event.AggregateRef},
 * it has no version: the handler acts on the aggregate's latest state.
 *
 * @param name the aggregate's type name, e.g. {@code "product"}; never blank
 * @param id the aggregate's id
 */
public record AggregateTarget(String name, UUID id) {
  /** Validates the target. */
  public AggregateTarget {
    Objects.requireNonNull(name, "aggregate name");
    Objects.requireNonNull(id, "aggregate id");
    if (name.isBlank()) {
      throw new IllegalArgumentException("aggregate name must not be blank");
    }
  }
}
