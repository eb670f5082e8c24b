package dev.fabula.mongodb;

import dev.fabula.FabulaException;

/**
 * MongoDB refused an operation for a reason a retry will not fix (a permission, a full disk, a
 * document over the size limit), or returned a document Fabula did not write (a field missing or
 * of the wrong type). Carries the server's error code when there is one.
 */
public final class MongoStoreException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final int code;

  /**
   * @param message what failed
   * @param code the server's error code, or {@code 0} when the failure is not the server's
   * @param cause the driver's exception, or {@code null}
   */
  public MongoStoreException(String message, int code, @org.jspecify.annotations.Nullable Throwable cause) {
    super(cause == null ? message : message + ": " + MongoUrls.mask(String.valueOf(cause.getMessage())), cause);
    this.code = code;
  }

  /** The server's error code, or {@code 0} when the failure is not the server's. */
  public int code() {
    return code;
  }
}
