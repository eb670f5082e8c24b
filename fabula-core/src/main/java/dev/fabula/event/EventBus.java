package dev.fabula.event;

import java.util.List;
import java.util.Set;

/**
 * Carries published events to subscribers, in-process or across processes.
 *
 * <p>Promises (checked by the conformance kit): a subscriber receives the published events whose
 * name it subscribed to ({@value #ALL} subscribes to all), each subscription in publish order; a
 * slow subscriber is handled by its {@link OverflowPolicy} — never unbounded memory, never a
 * silent drop; closing a subscription stops delivery promptly.
 *
 * <p>Subscriptions that join the same {@linkplain SubscriptionOptions#queueGroup() queue group}
 * share the events, each event going to one member, while other subscriptions still get every
 * event; a member that closes leaves the group, and the others get its share from then on. A {@linkplain SubscriptionOptions#durable() durable} subscription is delivered at least
 * once, acknowledged after its handler returned, and resumed by name after a restart. A bus that
 * cannot keep either promise refuses the subscription with {@link
 * UnsupportedSubscriptionException}.
 *
 * <p>A bus is not a store: an event published while nobody listens is gone. Readers that must see
 * every event follow the {@link EventStore} by position and use the bus only as a trigger.
 */
public interface EventBus extends AutoCloseable {
  /** The subscription name that matches every event name. */
  String ALL = "*";

  /**
   * Publishes the events to current subscribers, in order.
   *
   * @throws dev.fabula.ClosedException when the bus is closed
   */
  void publish(List<? extends Event<?>> events);

  /** Subscribes with {@link SubscriptionOptions#defaults()}. */
  default Subscription subscribe(Set<String> names, EventHandler handler) {
    return subscribe(names, handler, SubscriptionOptions.defaults());
  }

  /**
   * Subscribes to events with any of these names ({@value #ALL} for every name).
   *
   * @throws IllegalArgumentException when {@code names} is empty
   * @throws UnsupportedSubscriptionException when the bus cannot share events with a queue group
   *     or keep a durable subscription, and the options ask for it
   * @throws dev.fabula.ClosedException when the bus is closed
   */
  Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options);

  /** Closes every subscription and rejects further use. Idempotent. */
  @Override
  void close();
}
