package dev.fabula.postgres;

import dev.fabula.ClosedException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.memory.InMemory;
import dev.fabula.spi.Subscriptions;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One subscription to a PostgreSQL event bus (ADR 0017): its names, and the in-memory subscription
 * (on a bus of its own) that the pump feeds, which keeps the ordering, buffering, overflow, error
 * and close promises.
 */
final class BusSubscriber implements Subscription {
  private final Set<String> names;
  /** The names of the rows it reads: {@link #names} and the names event upcasters read as them. */
  private final Set<String> storedNames;
  private final SubscriptionOptions options;
  private final @Nullable String group;
  private final String table;
  private final Consumer<BusSubscriber> onClose;
  private final EventBus own = InMemory.eventBus();
  private @Nullable Subscription delivery;
  /** Set before an overflow is reported, so the subscription is inactive once its handler hears. */
  private volatile boolean overflowed;

  BusSubscriber(
      Set<String> names, Set<String> storedNames, SubscriptionOptions options, String table,
      Consumer<BusSubscriber> onClose) {
    this.names = names;
    this.storedNames = storedNames;
    this.options = options;
    String queueGroup = options.queueGroup();
    this.group = queueGroup == null ? null : Subscriptions.queueGroupKey(queueGroup, names);
    this.table = table;
    this.onClose = onClose;
  }

  void start(EventHandler handler) {
    // The group is the bus's business; the in-memory bus only delivers what it is given.
    SubscriptionOptions plain = new SubscriptionOptions(
        options.bufferCapacity(), options.overflowPolicy(), this::onError, null, null);
    delivery = own.subscribe(names, Backlog.delivering(handler), plain);
  }

  private void onError(Throwable e) {
    if (e instanceof SubscriberOverflowException) {
      overflowed = true;
    }
    options.onError().accept(e);
  }

  SubscriptionOptions options() {
    return options;
  }

  /** The key of the queue group this subscription is a member of ({@link Subscriptions#queueGroupKey}), or null. */
  @Nullable String group() {
    return group;
  }

  /** Whether it reads rows stored as {@code name}. */
  boolean matches(String name) {
    return storedNames.contains(EventBus.ALL) || storedNames.contains(name);
  }

  /** Delivers those of {@code events} whose names it subscribed to (its in-memory bus filters). */
  void deliver(List<Event<?>> events) {
    try {
      own.publish(events);
    } catch (ClosedException e) {
      // closed meanwhile: nothing more to deliver to it
    }
  }

  void report(Throwable e) {
    Subscriptions.report(options, e, "the subscription to " + names + " on " + table);
  }

  @Override
  public boolean isActive() {
    Subscription d = delivery;
    return !overflowed && d != null && d.isActive();
  }

  @Override
  public void close() {
    onClose.accept(this);
    own.close(); // closes the delivery
  }
}
