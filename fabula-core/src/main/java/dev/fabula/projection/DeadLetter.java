package dev.fabula.projection;

import dev.fabula.event.Event;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An event that a projection failed on and moved past, under {@link FailurePolicy#DEAD_LETTER}:
 * either the projection threw on it, or the store could not decode it (then {@link #event()} is
 * empty and the failure's cause is a {@link dev.fabula.event.EventDecodingException}).
 *
 * @param projection the projection's {@linkplain Projection#projectionName() name}
 * @param eventId the id of the event
 * @param eventName the name of the event
 * @param position the event's global position
 * @param decoded the event, or {@code null} when it could not be decoded
 * @param failure the report, carrying the cause
 */
public record DeadLetter(
    String projection,
    UUID eventId,
    String eventName,
    long position,
    @Nullable Event<?> decoded,
    ProjectionException failure) {
  /** Validates the record. */
  public DeadLetter {
    Objects.requireNonNull(projection, "projection");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(eventName, "eventName");
    Objects.requireNonNull(failure, "failure");
  }

  DeadLetter(String projection, ProjectionException failure, @Nullable Event<?> event) {
    this(projection, failure.eventId(), failure.eventName(), failure.position(), event, failure);
  }

  /** Why a letter left its schedule's list ({@link ScheduleListener#deadLetterRemoved}). */
  public enum Removal {
    /** {@link Schedule#retry} applied it. */
    RETRIED,
    /** {@link Schedule#evict} removed it. */
    EVICTED,
    /** A reset trigger rebuilt its projection, which meets the event again. */
    RESET,
    /** The list was full ({@value DeadLetters#CAPACITY} letters) and it was the oldest. */
    OVERFLOW
  }

  /** The event, if it could be decoded. */
  public Optional<Event<?>> event() {
    return Optional.ofNullable(decoded);
  }
}
