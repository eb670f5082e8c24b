/**
 * Fabula's event store, snapshot store and progress store on PostgreSQL (JDBC, pgjdbc and
 * HikariCP). Exports {@code dev.fabula.postgres}; reads {@code dev.fabula.spi} of core, which is
 * exported to it as a backend.
 */
module dev.fabula.postgres {
  // The factories take and return core's types, a DataSource, and a HikariDataSource.
  requires transitive dev.fabula.core;
  requires transitive java.sql;
  requires transitive com.zaxxer.hikari;
  // pgjdbc (an automatic module): its driver, PGConnection for notifications, PSQLException.
  requires org.postgresql.jdbc;

  exports dev.fabula.postgres;
}
