package dev.fabula;

/**
 * The root of every exception Fabula throws. All are unchecked; each subclass carries the data a
 * caller needs to act on it (ids, names, versions) rather than only a message.
 *
 * <p>Subclasses of {@link TransientException} signal that retrying the same operation on fresh
 * state may succeed; every other {@code FabulaException} will fail again on retry, except {@link
 * dev.fabula.event.OutcomeUnknownException}, which only a retry with the same event ids may settle.
 */
public class FabulaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message a user can act on. */
  public FabulaException(String message) {
    super(message);
  }

  /** Creates an exception with a message a user can act on and its cause. */
  public FabulaException(String message, Throwable cause) {
    super(message, cause);
  }
}
