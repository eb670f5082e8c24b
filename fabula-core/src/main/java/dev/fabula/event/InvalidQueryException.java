package dev.fabula.event;

import dev.fabula.FabulaException;

/** A query that can never be answered as written: min after max, a negative limit, and so on. */
public final class InvalidQueryException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the faulty part of the query. */
  public InvalidQueryException(String message) {
    super("Invalid query: " + message);
  }
}
