package dev.fabula.event;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * An insert carried an event id that is already stored (or twice in one batch). Nothing of the
 * batch was stored. Not transient: the same batch will fail again.
 */
public final class DuplicateEventException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final UUID eventId;

  /** @param eventId the duplicated id */
  public DuplicateEventException(UUID eventId) {
    super("Event " + eventId + " is already stored; nothing of the batch was stored");
    this.eventId = eventId;
  }

  /** The duplicated event id. */
  public UUID eventId() {
    return eventId;
  }
}
