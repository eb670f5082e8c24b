package dev.fabula.event;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * An event that no event store will store as written: one of its fields holds a NUL character
 * (U+0000) or exceeds the limit every store enforces (see {@link EventStore} for the limits).
 * Names the event and the field. Nothing of the batch was stored. Not transient: the same event
 * will fail again.
 */
public final class InvalidEventException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final UUID eventId;
  private final String field;

  /**
   * @param eventId the event's id
   * @param field the field at fault: {@code "name"}, {@code "aggregate name"}, {@code
   *     "metadata"} or {@code "payload"}
   * @param problem what is wrong with it, naming the limit
   */
  public InvalidEventException(UUID eventId, String field, String problem) {
    super("Event " + eventId + ": its " + field + " " + problem + "; nothing of the batch was stored");
    this.eventId = eventId;
    this.field = field;
  }

  /** The event's id. */
  public UUID eventId() {
    return eventId;
  }

  /** The field at fault, e.g. {@code "aggregate name"} or {@code "payload"}. */
  public String field() {
    return field;
  }
}
