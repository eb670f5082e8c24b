package dev.fabula.spi;

/**
 * Marks an {@link dev.fabula.event.EventBus} whose {@code publish} never waits for a subscriber:
 * it hands the events to a broker's client and returns (core NATS), so a subscription's own
 * delivery thread may publish on it without risking the deadlock of two full subscriptions
 * waiting for each other. The distributed command bus then publishes its protocol replies on the
 * delivery thread instead of starting a thread for each. For Fabula's backends only.
 */
public interface PublishNeverWaits {}
