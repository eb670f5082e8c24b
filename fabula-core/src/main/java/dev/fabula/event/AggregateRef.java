package dev.fabula.event;

import java.util.Objects;
import java.util.UUID;

/**
 * Which aggregate an event belongs to, and at which version. Versions start at 1 and are
 * contiguous per aggregate.
 *
 * @param name the aggregate's type name, e.g. {@code "product"}; never blank
 * @param id the aggregate's id
 * @param version the aggregate's version after this event; at least 1
 */
public record AggregateRef(String name, UUID id, int version) {
  /** Validates the reference. */
  public AggregateRef {
    Objects.requireNonNull(name, "aggregate name");
    Objects.requireNonNull(id, "aggregate id");
    if (name.isBlank()) {
      throw new IllegalArgumentException("aggregate name must not be blank");
    }
    if (version < 1) {
      throw new IllegalArgumentException(
          "aggregate version must be at least 1, got " + version + " for " + name + " " + id);
    }
  }
}
