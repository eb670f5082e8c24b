package dev.fabula.nats;

import dev.fabula.FabulaException;
import java.time.Instant;
import java.util.UUID;

/**
 * Thrown by a NATS bus's publish when an event's time cannot be written: the envelope holds it as
 * nanoseconds since the epoch in a {@code long}, which covers about the years 1677 to 2262. Nothing
 * of the publish was sent.
 */
public final class EventTimeOutOfRangeException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /**
   * @param event the event's id
   * @param time its time
   */
  public EventTimeOutOfRangeException(UUID event, Instant time) {
    super("The time " + time + " of event " + event + " is outside what the NATS envelope holds"
        + " (nanoseconds since the epoch in a long: about the years 1677 to 2262)");
  }
}
