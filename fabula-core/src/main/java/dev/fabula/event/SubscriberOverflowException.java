package dev.fabula.event;

import dev.fabula.FabulaException;

/**
 * Reported to a subscription's error handler when its buffer overflowed under {@link
 * OverflowPolicy#CANCEL_SUBSCRIPTION} and it was cancelled. The events it missed are still in the
 * store.
 */
public final class SubscriberOverflowException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final int capacity;

  /** @param capacity the buffer capacity that was exceeded */
  public SubscriberOverflowException(int capacity) {
    super(
        "Subscriber too slow: its buffer of "
            + capacity
            + " events is full, so the subscription was cancelled; read the store to catch up");
    this.capacity = capacity;
  }

  /** The buffer capacity that was exceeded. */
  public int capacity() {
    return capacity;
  }
}
