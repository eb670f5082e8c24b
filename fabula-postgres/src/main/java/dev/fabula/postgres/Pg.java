package dev.fabula.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.FabulaException;
import dev.fabula.TransientException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;
import org.postgresql.ds.common.BaseDataSource;

/** Shared JDBC plumbing: error translation, server description, time conversion. */
final class Pg {
  static final String UNIQUE_VIOLATION = "23505";
  private static final long NANOS = 1_000_000_000L;

  private Pg() {}

  /** Where the data source connects, as {@code host:port}, for error messages. */
  static String server(DataSource ds) {
    try {
      if (ds instanceof HikariDataSource h) {
        if (h.getJdbcUrl() != null) {
          return serverOf(h.getJdbcUrl());
        }
        if (h.getDataSource() != null) {
          return server(h.getDataSource());
        }
      }
      if (ds instanceof BaseDataSource b) {
        String[] hosts = b.getServerNames();
        int[] ports = b.getPortNumbers();
        return (hosts.length == 0 ? "localhost" : hosts[0])
            + ":" + (ports.length == 0 || ports[0] == 0 ? 5432 : ports[0]);
      }
    } catch (RuntimeException ignored) {
      // fall through to the generic description
    }
    return "the configured DataSource";
  }

  /** {@code host:port} of a JDBC URL. */
  static String serverOf(String url) {
    Properties p = Driver.parseURL(url, null);
    if (p == null) {
      return url.replaceAll("password=[^&]*", "password=***");
    }
    return p.getProperty("PGHOST", "localhost").split(",")[0] + ":"
        + p.getProperty("PGPORT", "5432").split(",")[0];
  }

  /** Whether the failure means the connection is gone (or could not be made). */
  static boolean isConnectionFailure(SQLException e) {
    String state = e.getSQLState();
    return e instanceof SQLTransientConnectionException
        || (state != null
            && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03")));
  }

  /** The specific Fabula exception for a driver failure during {@code what}. */
  static FabulaException translate(SQLException e, String what, String server) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (isConnectionFailure(e)) {
      return new PostgresConnectionException(server, "Lost or could not open the connection while " + what, e);
    }
    if (state.equals("40001") || state.equals("40P01") || state.equals("55P03")) {
      return new TransientException("PostgreSQL asked to retry " + what + " (" + state + "): " + e.getMessage(), e);
    }
    return new PostgresException("PostgreSQL failed " + what, state, e);
  }

  /** Rolls back, ignoring failures (the connection may be gone). */
  static void rollbackQuietly(@Nullable Connection c) {
    if (c == null) {
      return;
    }
    try {
      if (!c.isClosed() && !c.getAutoCommit()) {
        c.rollback();
      }
    } catch (SQLException ignored) {
      // a broken connection rolled back on the server already
    }
  }

  /** Closes, ignoring failures. */
  static void closeQuietly(@Nullable AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // nothing left to release
    }
  }

  /** Epoch nanoseconds of {@code t}; every Instant from 1677-09-21 to 2262-04-11 fits. */
  static long toNanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS), t.getNano());
  }

  /** The Instant of epoch nanoseconds. */
  static Instant fromNanos(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS), Math.floorMod(nanos, NANOS));
  }
}
