package dev.fabula.postgres;

import dev.fabula.FabulaException;

/**
 * PostgreSQL refused a statement for a reason that a retry will not fix (a permission, a full
 * disk, a value the column cannot hold). Carries the server's SQLState.
 */
public final class PostgresException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String sqlState;

  /**
   * @param message what failed
   * @param sqlState the SQLState reported by the server, or an empty string
   * @param cause the driver's exception
   */
  public PostgresException(String message, String sqlState, Throwable cause) {
    super(message + ": " + cause.getMessage(), cause);
    this.sqlState = sqlState;
  }

  /** The SQLState reported by the server, or an empty string. */
  public String sqlState() {
    return sqlState;
  }
}
