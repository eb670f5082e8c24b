package dev.fabula.mongodb;

import dev.fabula.TransientException;

/**
 * MongoDB could not be reached within the configured timeout, or the connection broke during an
 * operation. Transient: the driver replaces broken connections, so a retry may succeed. An insert
 * that fails with it stored nothing: when the connection broke during an insert, the store checked
 * that the batch is not stored (had it been, the insert would have returned normally; had the
 * store been unable to tell, it would throw {@link dev.fabula.event.OutcomeUnknownException}).
 */
public final class MongoConnectionException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final String server;

  /**
   * @param server the server(s) as {@code host:port}, or a description when unknown
   * @param message what failed
   * @param cause the driver's exception
   */
  public MongoConnectionException(String server, String message, Throwable cause) {
    super(message + " (MongoDB at " + server + "): " + MongoUrls.mask(String.valueOf(cause.getMessage())), cause);
    this.server = server;
  }

  /** The server(s) as {@code host:port}, or a description when unknown. */
  public String server() {
    return server;
  }
}
