package dev.fabula.spi;

import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.SubscriptionOptions;
import java.util.Objects;
import java.util.Set;

/**
 * What every {@link EventBus} does the same way around its subscriptions: checking the arguments
 * of {@code subscribe}, and handing failures to a subscription's error handler. For Fabula's
 * backends, not for application code.
 */
public final class Subscriptions {
  /** Where an error handler's own failure is logged: it has nowhere else to go. */
  private static final System.Logger LOG = System.getLogger("dev.fabula.event.Subscription");

  private Subscriptions() {}

  /**
   * Checks the arguments of {@link EventBus#subscribe(Set, EventHandler, SubscriptionOptions)}
   * and returns the names to deliver: just {@link EventBus#ALL} when it is among them (it makes
   * the others redundant, and keeping them would deliver an event twice), else a copy of {@code
   * names}.
   *
   * @throws NullPointerException when an argument is null
   * @throws IllegalArgumentException when {@code names} is empty
   */
  public static Set<String> effectiveNames(
      Set<String> names, EventHandler handler, SubscriptionOptions options) {
    Objects.requireNonNull(names, "names");
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(options, "options");
    if (names.isEmpty()) {
      throw new IllegalArgumentException("subscribe to at least one event name, or \"*\" for all");
    }
    return names.contains(EventBus.ALL) ? Set.of(EventBus.ALL) : Set.copyOf(names);
  }

  /**
   * Hands {@code failure} to the subscription's {@link SubscriptionOptions#onError() error
   * handler}. An error handler that throws must not stop delivery, so what it throws is logged
   * (naming {@code subscription}) instead of propagated.
   */
  public static void report(SubscriptionOptions options, Throwable failure, String subscription) {
    try {
      options.onError().accept(failure);
    } catch (Throwable handlerFailure) {
      LOG.log(System.Logger.Level.ERROR, "the error handler of " + subscription
          + " failed while reporting " + failure, handlerFailure);
    }
  }
}
