package dev.fabula.event;

/**
 * What an {@link EventBus} does when a subscriber's buffer is full because its handler is slower
 * than publishers. No policy drops an event silently or lets memory grow without bound.
 */
public enum OverflowPolicy {
  /**
   * Back-pressure: {@link EventBus#publish} waits until the slow subscriber has room. Nothing is
   * lost; publishers slow down to the slowest subscriber. The default.
   */
  BLOCK,
  /**
   * The slow subscription is cancelled: it stops receiving events and its error handler receives a
   * {@link SubscriberOverflowException}. Publishers and other subscribers are not slowed. For
   * subscribers that can recover by reading the store (projections do).
   */
  CANCEL_SUBSCRIPTION
}
