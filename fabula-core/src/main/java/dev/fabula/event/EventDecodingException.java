package dev.fabula.event;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * A stored event could not be turned back into its Java type: its name is not registered, or its
 * payload no longer fits the registered type. Names the event so an operator can find it.
 */
public final class EventDecodingException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final UUID eventId;
  private final String eventName;
  private final long position;

  /**
   * @param eventId the stored event's id
   * @param eventName the stored event's name
   * @param position the stored event's global position
   * @param cause why decoding failed
   */
  public EventDecodingException(UUID eventId, String eventName, long position, Throwable cause) {
    super(
        "Cannot decode event "
            + eventId
            + " ("
            + eventName
            + ") at position "
            + position
            + ": "
            + cause.getMessage(),
        cause);
    this.eventId = eventId;
    this.eventName = eventName;
    this.position = position;
  }

  /** The event's id. */
  public UUID eventId() {
    return eventId;
  }

  /** The event's name. */
  public String eventName() {
    return eventName;
  }

  /** The event's global position. */
  public long position() {
    return position;
  }
}
