package dev.fabula.event;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a subscription buffers and reports errors.
 *
 * @param bufferCapacity how many events may wait for the handler; at least 1
 * @param overflowPolicy what happens when the buffer is full
 * @param onError receives whatever the handler throws (an {@link Error} too), overflow reports,
 *     and the cancellation of a subscription whose delivery ended; should it throw in turn, the bus
 *     logs that and goes on delivering
 */
public record SubscriptionOptions(
    int bufferCapacity, OverflowPolicy overflowPolicy, Consumer<Throwable> onError) {
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
  }

  /** 1024 buffered events, back-pressure on overflow, errors logged. */
  public static SubscriptionOptions defaults() {
    return new SubscriptionOptions(
        DEFAULT_BUFFER_CAPACITY,
        OverflowPolicy.BLOCK,
        e -> LOG.log(System.Logger.Level.ERROR, "event handler failed", e));
  }

  /** A copy with another buffer capacity. */
  public SubscriptionOptions withBufferCapacity(int capacity) {
    return new SubscriptionOptions(capacity, overflowPolicy, onError);
  }

  /** A copy with another overflow policy. */
  public SubscriptionOptions withOverflowPolicy(OverflowPolicy policy) {
    return new SubscriptionOptions(bufferCapacity, policy, onError);
  }

  /** A copy with another error handler. */
  public SubscriptionOptions withErrorHandler(Consumer<Throwable> handler) {
    Objects.requireNonNull(handler, "handler");
    return new SubscriptionOptions(bufferCapacity, overflowPolicy, handler);
  }
}
