package dev.fabula.event;

import dev.fabula.FabulaException;
import java.util.List;

/**
 * Events were stored but could not be published afterwards. The store is the source of truth: the
 * events are safe, and readers that follow the store by position will still see them. Do not
 * retry the insert.
 */
public final class EventPublishException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final transient List<Event<?>> storedEvents;

  /**
   * @param storedEvents the events that were stored but not published
   * @param cause why publishing failed
   */
  public EventPublishException(List<Event<?>> storedEvents, Throwable cause) {
    super(
        storedEvents.size()
            + " event(s) were stored but not published ("
            + cause.getMessage()
            + "); they are safe in the store and subscribers reading it will catch up",
        cause);
    this.storedEvents = List.copyOf(storedEvents);
  }

  /** The events that were stored, with their positions. */
  public List<Event<?>> storedEvents() {
    return storedEvents;
  }
}
