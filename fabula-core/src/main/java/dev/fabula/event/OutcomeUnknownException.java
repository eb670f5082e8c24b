package dev.fabula.event;

import dev.fabula.FabulaException;
import java.util.List;
import java.util.UUID;

/**
 * An insert whose outcome could not be learnt: the connection to the store broke while the batch
 * was being written, and the store could not find out in time whether the batch was committed.
 * The events are either all stored or none is.
 *
 * <p>A retry is safe <em>only with the same event ids</em> ({@link #eventIds()}): it either stores
 * the events, or, if the first attempt did store them, fails with {@link DuplicateEventException},
 * which then means "already stored". Retrying the operation that built the batch — a command
 * handler, a projection or a saga creating events with fresh ids — may store them twice. So this is
 * deliberately not a {@link dev.fabula.TransientException}: no generic retry of Fabula's (a
 * repository's, a projection schedule's) retries it; the caller decides, knowing the ids.
 */
public final class OutcomeUnknownException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final List<UUID> eventIds;

  /**
   * @param eventIds the ids of the batch whose outcome is unknown
   * @param message what happened
   * @param cause the failure that broke the connection
   */
  public OutcomeUnknownException(List<UUID> eventIds, String message, Throwable cause) {
    super(message + "; the " + eventIds.size() + " events of the batch are either all stored or none is:"
        + " retrying the same events is safe (already stored ones fail as duplicates)", cause);
    this.eventIds = List.copyOf(eventIds);
  }

  /** The ids of the events whose outcome is unknown, in batch order. */
  public List<UUID> eventIds() {
    return eventIds;
  }
}
