package dev.fabula.cli;

import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.projection.ProgressStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The positions PostgreSQL keeps in the store's progress table, for the console over a store URL.
 * The console is read-only, so nothing is created: until the table exists (an application's
 * projection made it) there is no stored progress; once it does, it is read through a progress
 * store that only validates the table ({@link PostgresOptions.SchemaPolicy#VALIDATE}).
 */
final class PgStoredProgress implements Supplier<Map<String, Long>> {
  private final DataSource ds;
  private final PostgresOptions options;
  private final ReentrantLock opening = new ReentrantLock();
  private volatile @Nullable ProgressStore store;

  PgStoredProgress(DataSource ds, PostgresOptions options) {
    this.ds = ds;
    this.options = options.toBuilder().schemaPolicy(PostgresOptions.SchemaPolicy.VALIDATE).build();
  }

  @Override
  public Map<String, Long> get() {
    ProgressStore s = store;
    if (s == null) {
      opening.lock();
      try {
        s = store;
        if (s == null) {
          if (!tableExists()) {
            return Map.of();
          }
          s = Postgres.progressStore(ds, options);
          store = s;
        }
      } finally {
        opening.unlock();
      }
    }
    return s.positions();
  }

  private boolean tableExists() {
    String table = options.schema() + "." + options.progressTable();
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("looking for the progress table " + table + " failed: " + e.getMessage(), e);
    }
  }
}
