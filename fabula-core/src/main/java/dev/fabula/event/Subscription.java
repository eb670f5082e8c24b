package dev.fabula.event;

/**
 * A live subscription to an {@link EventBus}. Closing it stops delivery promptly: once {@link
 * #close()} returns, the handler is not called again (when close is called from inside the handler,
 * no further call starts after the current one returns). Events still buffered are discarded.
 */
public interface Subscription extends AutoCloseable {
  /** Whether the subscription is still delivering. */
  boolean isActive();

  /** Stops delivery. Idempotent. */
  @Override
  void close();
}
