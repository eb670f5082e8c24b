package dev.fabula.postgres;

import dev.fabula.TransientException;

/**
 * PostgreSQL could not be reached, or the connection broke during an operation (server restart,
 * {@code pg_terminate_backend}, network failure). Transient: the pool replaces broken connections,
 * so a retry may succeed. A write that failed this way stored nothing, unless the message says the
 * outcome is unknown (the connection broke while committing).
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
