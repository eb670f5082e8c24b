package dev.fabula.event;

/** Receives the events of a {@link Subscription}, one at a time, in publish order. */
@FunctionalInterface
public interface EventHandler {
  /**
   * Handles one event. An exception is reported to the subscription's error handler (see {@link
   * SubscriptionOptions#onError}); delivery continues with the next event.
   */
  void handle(Event<?> event) throws Exception;
}
