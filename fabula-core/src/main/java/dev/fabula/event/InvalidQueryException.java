package dev.fabula.event;

import dev.fabula.FabulaException;

/**
 * A query that can never be answered as written: a negative limit, a backward range, a name no
 * store accepts, and so on. (Two builder settings that contradict each other, such as a minimum
 * above its maximum, are an {@link IllegalStateException} from the builder instead.)
 */
public final class InvalidQueryException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the faulty part of the query. */
  public InvalidQueryException(String message) {
    super("Invalid query: " + message);
  }
}
