package dev.fabula.event;

import dev.fabula.FabulaException;

/**
 * Thrown by {@link EventBus#subscribe} when the bus cannot keep a promise the {@link
 * SubscriptionOptions} ask for (a {@link Durable} subscription on a bus that keeps nothing, a
 * queue group on a bus that cannot share events): the bus refuses rather than deliver less than
 * was asked.
 */
public final class UnsupportedSubscriptionException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** @param message what was asked and why this bus cannot do it */
  public UnsupportedSubscriptionException(String message) {
    super(message);
  }
}
