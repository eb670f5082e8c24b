package dev.fabula;

/**
 * A failure that a retry on fresh state may overcome, such as a version conflict with a
 * concurrent writer or a dropped connection. Retry policies in Fabula retry only these.
 */
public class TransientException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** Creates a transient exception. */
  public TransientException(String message) {
    super(message);
  }

  /** Creates a transient exception with its cause. */
  public TransientException(String message, Throwable cause) {
    super(message, cause);
  }
}
