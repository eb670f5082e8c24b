package dev.fabula.event;

import java.time.Duration;
import java.util.Objects;

/**
 * Asks for a durable subscription: one that a bus remembers by {@code name} across restarts of
 * the subscriber, acknowledges each event only after the handler returned, and delivers again
 * when the handler threw or the subscriber died before acknowledging.
 *
 * <p>Delivery is at least once: a handler of a durable subscription must tolerate seeing an event
 * again (the event id tells repeats apart). A bus that cannot keep this promise refuses the
 * subscription with {@link UnsupportedSubscriptionException}; it never quietly delivers at most
 * once instead.
 *
 * <p>Closing the subscription, or its bus, returns once every event whose handler returned is
 * acknowledged: the subscriber that resumes by the same name gets only what it had not finished.
 * Each failed delivery is reported to the subscription's error handler with what the handler
 * threw; giving up on an event after {@code maxDeliveries} is reported once more, in an exception
 * whose message names the event's id.
 *
 * @param name the subscription's name on the bus; subscribing again with the same name (and the
 *     same event names) resumes where the last acknowledged event left off. Not blank.
 * @param ackWait how long the bus waits for the handler before it delivers the event again;
 *     positive
 * @param maxDeliveries how often an event is delivered at most before the bus gives up on it and
 *     reports it to the subscription's error handler; at least 1
 */
public record Durable(String name, Duration ackWait, int maxDeliveries) {
  /** The ack wait {@link #named} uses. */
  public static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);

  /** The delivery limit {@link #named} uses. */
  public static final int DEFAULT_MAX_DELIVERIES = 5;

  /** Validates the settings. */
  public Durable {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a durable subscription's name must not be blank");
    }
    Objects.requireNonNull(ackWait, "ackWait");
    if (ackWait.isNegative() || ackWait.isZero()) {
      throw new IllegalArgumentException("ackWait must be positive, got " + ackWait);
    }
    if (maxDeliveries < 1) {
      throw new IllegalArgumentException("maxDeliveries must be at least 1, got " + maxDeliveries);
    }
  }

  /** A durable subscription named {@code name}, with the default ack wait and delivery limit. */
  public static Durable named(String name) {
    return new Durable(name, DEFAULT_ACK_WAIT, DEFAULT_MAX_DELIVERIES);
  }

  /** A copy with another ack wait. */
  public Durable withAckWait(Duration wait) {
    return new Durable(name, wait, maxDeliveries);
  }

  /** A copy with another delivery limit. */
  public Durable withMaxDeliveries(int max) {
    return new Durable(name, ackWait, max);
  }
}
