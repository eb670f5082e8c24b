package dev.fabula.nats;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * Reported to a {@linkplain dev.fabula.event.Durable durable} subscription's error handler when its
 * handler failed on the last delivery its {@code maxDeliveries} allows: the bus gives up on the
 * event (it stays in the stream) and goes on with the next. The cause is the handler's last
 * failure.
 */
public final class DeliveriesExhaustedException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final UUID eventId;
  private final String eventName;
  private final int deliveries;

  /**
   * @param eventId the event given up on
   * @param eventName its name
   * @param subscription the subscription, as the bus describes it
   * @param deliveries how often it was delivered
   * @param cause the handler's last failure
   */
  public DeliveriesExhaustedException(
      UUID eventId, String eventName, String subscription, int deliveries, Throwable cause) {
    super("Gave up on event " + eventId + " (" + eventName + ") for the subscription " + subscription
        + " after " + deliveries + " deliveries; the handler's last failure: " + cause, cause);
    this.eventId = eventId;
    this.eventName = eventName;
    this.deliveries = deliveries;
  }

  /** The id of the event given up on. */
  public UUID eventId() {
    return eventId;
  }

  /** The name of the event given up on. */
  public String eventName() {
    return eventName;
  }

  /** How often the event was delivered. */
  public int deliveries() {
    return deliveries;
  }
}
