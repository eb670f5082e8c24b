package dev.fabula.spi;

import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.SubscriptionOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

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
   * @throws NullPointerException when an argument, or one of the names, is null
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
    for (String name : names) {
      Objects.requireNonNull(name, "names holds null");
    }
    return names.contains(EventBus.ALL) ? Set.of(EventBus.ALL) : Set.copyOf(names);
  }

  /**
   * What makes subscriptions members of one queue group, on every bus: the same group name and
   * the same event names ({@link SubscriptionOptions#queueGroup()}). The key is the group's name,
   * a {@code #} and 16 hex digits of a SHA-256 over the sorted names, the same in every process;
   * a bus that shares groups across processes (a NATS queue, a claims table) uses it as the
   * group's identity there, so that the same group name over other event names is another group.
   */
  public static String queueGroupKey(String group, Set<String> names) {
    StringBuilder sorted = new StringBuilder();
    for (String name : new TreeSet<>(names)) {
      sorted.append(name.length()).append(':').append(name); // unambiguous for any name
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(sorted.toString().getBytes(StandardCharsets.UTF_8));
      return group + "#" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
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
