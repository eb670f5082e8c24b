package dev.fabula.event;

import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * How a subscription buffers, reports errors, shares events with a queue group and whether it is
 * durable.
 *
 * @param bufferCapacity how many events may wait for the handler; at least 1
 * @param overflowPolicy what happens when the buffer is full
 * @param onError receives whatever the handler throws (an {@link Error} too), overflow reports,
 *     and the cancellation of a subscription whose delivery ended; should it throw in turn, the bus
 *     logs that and goes on delivering
 * @param queueGroup when not null, the subscriptions that join the same group (with the same
 *     event names) share the events: each event goes to one member of the group, while
 *     subscriptions outside the group still get every event. Not blank.
 * @param durable when not null, the subscription is {@link Durable}: acknowledged after the
 *     handler returned, delivered again otherwise, resumed by name after a restart. A bus that
 *     cannot do this throws {@link UnsupportedSubscriptionException}.
 */
public record SubscriptionOptions(
    int bufferCapacity,
    OverflowPolicy overflowPolicy,
    Consumer<Throwable> onError,
    @Nullable String queueGroup,
    @Nullable Durable durable) {
  /** The default buffer capacity. */
  public static final int DEFAULT_BUFFER_CAPACITY = 1024;

  private static final System.Logger LOG = System.getLogger(SubscriptionOptions.class.getName());

  /** Validates the options. */
  public SubscriptionOptions {
    if (bufferCapacity < 1) {
      throw new IllegalArgumentException("bufferCapacity must be at least 1, got " + bufferCapacity);
    }
    Objects.requireNonNull(overflowPolicy, "overflowPolicy");
    Objects.requireNonNull(onError, "onError");
    if (queueGroup != null && queueGroup.isBlank()) {
      throw new IllegalArgumentException("a queue group's name must not be blank");
    }
  }

  /** 1024 buffered events, back-pressure on overflow, errors logged. */
  public static SubscriptionOptions defaults() {
    return new SubscriptionOptions(
        DEFAULT_BUFFER_CAPACITY,
        OverflowPolicy.BLOCK,
        e -> LOG.log(System.Logger.Level.ERROR, "event handler failed", e),
        null,
        null);
  }

  /** A copy with another buffer capacity. */
  public SubscriptionOptions withBufferCapacity(int capacity) {
    return new SubscriptionOptions(capacity, overflowPolicy, onError, queueGroup, durable);
  }

  /** A copy with another overflow policy. */
  public SubscriptionOptions withOverflowPolicy(OverflowPolicy policy) {
    return new SubscriptionOptions(bufferCapacity, policy, onError, queueGroup, durable);
  }

  /** A copy with another error handler. */
  public SubscriptionOptions withErrorHandler(Consumer<Throwable> handler) {
    Objects.requireNonNull(handler, "handler");
    return new SubscriptionOptions(bufferCapacity, overflowPolicy, handler, queueGroup, durable);
  }

  /** A copy that joins the queue group {@code group} (see {@link #queueGroup()}). */
  public SubscriptionOptions withQueueGroup(String group) {
    Objects.requireNonNull(group, "group");
    return new SubscriptionOptions(bufferCapacity, overflowPolicy, onError, group, durable);
  }

  /** A copy that asks for a durable subscription (see {@link #durable()}). */
  public SubscriptionOptions withDurable(Durable settings) {
    Objects.requireNonNull(settings, "settings");
    return new SubscriptionOptions(bufferCapacity, overflowPolicy, onError, queueGroup, settings);
  }
}
