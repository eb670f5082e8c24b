package dev.fabula.mongodb;

import dev.fabula.TransientException;

/**
 * MongoDB could not be reached within the configured timeout, the connection broke or timed out
 * during an operation, or the calling thread was interrupted while it waited (its interrupt flag
 * is then set again). Transient: the driver replaces broken connections, so a retry may succeed.
 *
 * <p>Whether a write that fails with it happened depends on the store:
 *
 * <ul>
 *   <li>The event store's {@code insert}: it stored nothing. When the connection broke during an
 *       insert, the store checked that the batch is not stored (had it been, the insert would
 *       have returned normally; had the store been unable to tell, it would throw {@link
 *       dev.fabula.event.OutcomeUnknownException}).
 *   <li>Every other write (a snapshot's save or delete, a progress advance or reset, a read model's
 *       save, use or delete): the outcome is unknown; the write may have been applied. These
 *       writes are safe to repeat (a save replaces, a delete of nothing is nothing), and updates
 *       through a read-model repository should be idempotent (for instance guarded by a version
 *       the model keeps).
 * </ul>
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
