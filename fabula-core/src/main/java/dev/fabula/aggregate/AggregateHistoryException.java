package dev.fabula.aggregate;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * Replaying history into an aggregate found an event that does not belong there: another
 * aggregate's name or id, no aggregate at all, or a version that does not follow the previous
 * one. The aggregate's stream is damaged or the wrong events were read.
 */
public final class AggregateHistoryException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final UUID eventId;

  /**
   * @param eventId the offending event
   * @param message what does not fit
   */
  public AggregateHistoryException(UUID eventId, String message) {
    super("Cannot replay event " + eventId + ": " + message);
    this.eventId = eventId;
  }

  /** The offending event's id. */
  public UUID eventId() {
    return eventId;
  }
}
