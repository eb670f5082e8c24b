package dev.fabula.projection;

import dev.fabula.FabulaException;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import java.util.UUID;

/**
 * A projection failed to apply an event. Carries the projection's name and the event's id, name
 * and global position; the cause is what the projection threw (any {@link Throwable}, an {@link
 * Error} too), or the {@link EventDecodingException} of an event the store could not decode. The
 * projection stopped at the last
 * good position (the one before {@link #position()}), unless its schedule moves failing events to
 * a dead-letter list.
 */
public final class ProjectionException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String projection;
  private final UUID eventId;
  private final String eventName;
  private final long position;

  /** An exception for {@code event} failing in the named projection. */
  public ProjectionException(String projection, Event<?> event, Throwable cause) {
    super(
        "projection " + projection + " failed to apply event " + event.name() + " " + event.id()
            + " at position " + event.position() + ": " + cause,
        cause);
    this.projection = projection;
    this.eventId = event.id();
    this.eventName = event.name();
    this.position = event.position();
  }

  /**
   * An exception for an event of the named projection's schedule that the store could not decode
   * (the cause names its id and position).
   */
  public ProjectionException(String projection, EventDecodingException cause) {
    super(
        "projection " + projection + " cannot read event " + cause.eventName() + " "
            + cause.eventId() + " at position " + cause.position() + ": " + cause.getMessage(),
        cause);
    this.projection = projection;
    this.eventId = cause.eventId();
    this.eventName = cause.eventName();
    this.position = cause.position();
  }

  /** The failing projection's {@linkplain Projection#projectionName() name}. */
  public String projection() {
    return projection;
  }

  /** The id of the event that failed. */
  public UUID eventId() {
    return eventId;
  }

  /** The name of the event that failed. */
  public String eventName() {
    return eventName;
  }

  /** The global position of the event that failed. */
  public long position() {
    return position;
  }
}
