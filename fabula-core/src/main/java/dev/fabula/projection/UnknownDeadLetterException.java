package dev.fabula.projection;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * A schedule was asked to {@linkplain Schedule#retry retry} a dead letter it does not hold (any
 * more): it was retried successfully, evicted, dropped when the list was full, or dropped because
 * its projection was reset (the rebuild applies the event again).
 */
public final class UnknownDeadLetterException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String projection;
  private final UUID eventId;

  /** An exception for the letter of {@code eventId} in {@code projection}. */
  public UnknownDeadLetterException(String projection, UUID eventId) {
    super(
        "the schedule holds no dead letter of projection " + projection + " for event " + eventId
            + " (retried, evicted, dropped when the list was full, or dropped by a reset of the"
            + " projection)");
    this.projection = projection;
    this.eventId = eventId;
  }

  /** The projection's name. */
  public String projection() {
    return projection;
  }

  /** The id of the event. */
  public UUID eventId() {
    return eventId;
  }
}
