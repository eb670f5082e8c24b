package dev.fabula.projection;

import dev.fabula.event.Event;
import java.util.Objects;

/**
 * An event that a projection failed to apply and moved past, under {@link
 * FailurePolicy#DEAD_LETTER}.
 *
 * @param projection the projection's {@linkplain Projection#projectionName() name}
 * @param event the event that failed
 * @param failure the report, carrying the cause
 */
public record DeadLetter(String projection, Event<?> event, ProjectionException failure) {
  /** Validates the record. */
  public DeadLetter {
    Objects.requireNonNull(projection, "projection");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(failure, "failure");
  }
}
