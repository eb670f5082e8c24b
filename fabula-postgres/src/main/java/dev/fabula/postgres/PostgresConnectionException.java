package dev.fabula.postgres;

import dev.fabula.TransientException;

/**
 * PostgreSQL could not be reached, or the connection broke during an operation (server restart,
 * {@code pg_terminate_backend}, network failure). Transient: the pool replaces broken connections,
 * so a retry may succeed.
 *
 * <p>Whether a write that fails with it happened depends on the store:
 *
 * <ul>
 *   <li>The event store's {@code insert}: it stored nothing. When the connection broke during an
 *       insert, the store checked on a fresh connection that the batch is not stored (had it
 *       been, the insert would have returned normally; had the store been unable to tell, it
 *       would throw {@link dev.fabula.event.OutcomeUnknownException} instead).
 *   <li>Every other write (a snapshot's save or delete, a progress advance or reset, a read model's
 *       save, use or delete): the outcome is unknown, since the connection may have broken after
 *       the server committed and before it answered. These writes are safe to repeat (a save
 *       replaces, a delete of nothing is nothing), and updates through a read-model repository
 *       should be idempotent (for instance guarded by a version the model keeps).
 * </ul>
 */
public final class PostgresConnectionException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final String server;

  /**
   * @param server the server as {@code host:port}, or a description when unknown
   * @param message what failed
   * @param cause the driver's exception
   */
  public PostgresConnectionException(String server, String message, Throwable cause) {
    super(message + " (PostgreSQL at " + server + "): " + Pg.mask(String.valueOf(cause.getMessage())), cause);
    this.server = server;
  }

  /** The server as {@code host:port}, or a description when unknown. */
  public String server() {
    return server;
  }
}
