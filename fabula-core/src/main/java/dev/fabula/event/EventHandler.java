package dev.fabula.event;

/** Receives the events of a {@link Subscription}, one at a time, in publish order. */
@FunctionalInterface
public interface EventHandler {
  /**
   * Handles one event. Whatever it throws, an {@link Error} such as an {@code AssertionError} or a
   * {@code StackOverflowError} included, is reported to the subscription's error handler (see
   * {@link SubscriptionOptions#onError}) and delivery continues with the next event; an interrupt
   * it leaves on its thread does not stop delivery either.
   */
  void handle(Event<?> event) throws Exception;
}
