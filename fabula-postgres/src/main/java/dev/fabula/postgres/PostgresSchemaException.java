package dev.fabula.postgres;

import dev.fabula.FabulaException;

/**
 * A table or index Fabula needs is missing (and may not be created), or exists with the wrong
 * shape. The message says what is wrong and carries the DDL to run; {@link #ddl()} returns it
 * alone.
 */
public final class PostgresSchemaException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String ddl;

  /**
   * @param problem what is wrong, naming the table
   * @param ddl the statements that create the expected schema
   */
  public PostgresSchemaException(String problem, String ddl) {
    super(problem + "\nThe expected schema is:\n" + ddl);
    this.ddl = ddl;
  }

  /** The DDL that creates the expected tables and indexes. */
  public String ddl() {
    return ddl;
  }
}
