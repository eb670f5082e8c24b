package dev.fabula.event;

import dev.fabula.FabulaException;

/**
 * A batch given to {@link EventStore#insert} that could never be stored as written, for instance
 * versions of one aggregate that are not contiguous within the batch or do not continue the
 * stored stream. Nothing of the batch was stored.
 */
public final class InvalidBatchException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the offending events. */
  public InvalidBatchException(String message) {
    super("Invalid batch: " + message + "; nothing of the batch was stored");
  }
}
