package dev.fabula.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.FabulaException;
import dev.fabula.TransientException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;
import org.postgresql.PGStatement;
import org.postgresql.ds.common.BaseDataSource;

/**
 * Shared JDBC plumbing: error translation, server description, time conversion, parameter binding
 * and result streaming.
 */
final class Pg {
  static final String UNIQUE_VIOLATION = "23505";
  static final String DEADLOCK = "40P01";
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

  /** {@code host:port} of a JDBC URL (the URL with its password masked when it cannot be parsed). */
  static String serverOf(String url) {
    if (badUrl(url) != null) {
      return mask(url); // parseURL would log its complaint to stderr
    }
    Properties p = Driver.parseURL(url, null);
    if (p == null) {
      return mask(url);
    }
    return p.getProperty("PGHOST", "localhost").split(",")[0] + ":"
        + p.getProperty("PGPORT", "5432").split(",")[0];
  }

  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&;\\s]*");
  private static final Pattern USER_INFO = Pattern.compile("(//[^/?#@:\\s]*:)[^/?#@\\s]*@");

  /** {@code text} with every password in it masked: {@code password=} parameters and {@code user:pw@}. */
  static String mask(String text) {
    String out = PASSWORD_PARAMETER.matcher(text).replaceAll("$1***");
    return USER_INFO.matcher(out).replaceAll("$1***@");
  }

  /**
   * Rejects what pgjdbc cannot read, with the reason (pgjdbc itself only logs it): not a
   * PostgreSQL URL, a port that is not a number from 1 to 65535, credentials before the host.
   *
   * @throws IllegalArgumentException naming the URL (password masked) and what is wrong with it
   */
  static void checkUrl(String url) {
    String why = url.startsWith("jdbc:postgresql:")
        ? badUrl(url)
        : "it is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)";
    if (why == null && Driver.parseURL(url, null) == null) {
      why = "the PostgreSQL driver cannot parse it (expected jdbc:postgresql://host:port/database?parameters)";
    }
    if (why != null) {
      throw new IllegalArgumentException("url " + mask(url) + " is not usable: " + why);
    }
  }

  /** What is wrong with the host part of a {@code jdbc:postgresql:} URL, or null when nothing. */
  private static @Nullable String badUrl(String url) {
    if (!url.startsWith("jdbc:postgresql://")) {
      return null; // jdbc:postgresql:database and jdbc:postgresql:/ have no host part
    }
    String rest = url.substring("jdbc:postgresql://".length());
    int end = rest.length();
    for (char stop : new char[] {'/', '?'}) {
      int i = rest.indexOf(stop);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String authority = rest.substring(0, end);
    if (authority.contains("@")) {
      return "it names credentials before the host (user:password@host), which the driver does not"
          + " read; pass them as parameters instead (?user=...&password=...)";
    }
    for (String host : authority.split(",", -1)) {
      int colon = host.startsWith("[") ? host.indexOf(':', Math.max(host.indexOf(']'), 0)) : host.lastIndexOf(':');
      if (colon < 0) {
        continue;
      }
      String port = host.substring(colon + 1);
      if (port.isEmpty() && host.startsWith("[")) {
        continue;
      }
      boolean digits = !port.isEmpty() && port.length() <= 5 && port.chars().allMatch(Character::isDigit);
      if (!digits || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        return "port \"" + port + "\" is not a number from 1 to 65535";
      }
    }
    return null;
  }

  /**
   * Why a connection could not be made, from the driver's failure: the database does not exist,
   * authentication failed, connection refused, unknown host, or (only when it was one) a timeout.
   */
  static String whyNoConnection(Throwable failure, long timeoutMillis) {
    String state = "";
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException e && e.getSQLState() != null && state.isEmpty()) {
        state = e.getSQLState();
      }
      if (t instanceof ConnectException) {
        return "Connection refused: nothing accepts connections on that host and port";
      }
      if (t instanceof UnknownHostException) {
        return "Unknown host: the name does not resolve";
      }
      if (t instanceof SocketTimeoutException || String.valueOf(t.getMessage()).contains("timed out")) {
        return "No answer within " + timeoutMillis + " ms";
      }
      if (t == t.getCause()) {
        break;
      }
    }
    return switch (state) {
      case "3D000" -> "The database does not exist";
      case "28P01", "28000" -> "Authentication failed (wrong user or password, or no pg_hba.conf entry)";
      case "53300" -> "The server has no connection slot left";
      case "57P03" -> "The server is starting up or shutting down";
      default -> "Cannot connect";
    };
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
    if (e instanceof ReadSlots.NoSlotException) {
      return new PostgresConnectionException(
          server, "Every connection of the pool that streams may use stayed held by open streams while " + what, e);
    }
    if (e instanceof SQLTransientConnectionException && String.valueOf(e.getMessage()).contains("Connection is not available")) {
      return new PostgresConnectionException(
          server, "No connection of the pool came free within its connection timeout while " + what, e);
    }
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

  /** Times beyond the storable range compare like the range's ends (for query bounds). */
  static long clampNanos(Instant t) {
    try {
      return toNanos(t);
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** An array parameter with its PostgreSQL element type. */
  record TypedArray(String type, Object[] values) {}

  /** Binds {@code params} in order: {@link TypedArray}s as SQL arrays, the rest as they are. */
  static void bind(Connection c, PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object v = params.get(i);
      if (v instanceof TypedArray a) {
        Array arr = c.createArrayOf(a.type(), a.values());
        ps.setArray(i + 1, arr);
      } else {
        ps.setObject(i + 1, v);
      }
    }
  }

  /**
   * Asks pgjdbc for binary results from the first execution of {@code ps}: bigint, integer and
   * uuid columns then arrive as fixed-width values, which neither the server (no number or hex
   * formatting) nor the driver (no parsing) has to convert per row. By default pgjdbc switches to
   * binary only once a statement has run {@code prepareThreshold} (5) times on one connection, so
   * a replay (one execution) and the first loads on each pooled connection got text. A negative
   * threshold forces a server-prepared statement with binary results; the statement is described
   * once per connection (pgjdbc's statement cache keeps it), one extra round trip the first time.
   * text and jsonb columns are sent as text either way.
   */
  static void binaryResults(PreparedStatement ps) throws SQLException {
    if (ps.isWrapperFor(PGStatement.class)) {
      ps.unwrap(PGStatement.class).setPrepareThreshold(-1);
    }
  }

  /**
   * Turns a row of a result set into a value in two steps, so that a {@link ReadAhead} thread can
   * do the first while the caller does the second: {@link #extract} copies the column values out
   * of the current row (the JDBC calls, cheap), {@link #decode} builds the value from them (the
   * codec and the rest of the work, and the failures that are about the stored data).
   *
   * @param <R> the raw row: the column values, nothing decoded that need not be
   * @param <T> the value
   */
  interface RowReader<R, T> {
    /** The column values of the current row; only JDBC failures. */
    R extract(ResultSet rs) throws SQLException;

    /** The value of a raw row. */
    T decode(R row);

    /** Both steps at once, on the calling thread. */
    default T read(ResultSet rs) throws SQLException {
      return decode(extract(rs));
    }
  }

  /**
   * Runs a query and returns its rows as a lazy stream that holds the connection until closed.
   * With {@code fetchSize > 0} the query runs in a transaction with a cursor, so pgjdbc fetches
   * that many rows per round trip and a large result never sits in memory whole, and a {@link
   * ReadAhead} thread fetches the next batch while the caller decodes the last; with {@code 0} it
   * is one plain round trip on the calling thread (for results known to be short, where a cursor's
   * extra round trips and a thread would cost more than they save).
   *
   * @param what what is read, for error messages ("events from x.fabula_events")
   */
  static <R, T> Stream<T> stream(
      DataSource ds, String sql, List<Object> params, int fetchSize, RowReader<R, T> reader, String what,
      String server) {
    if (fetchSize > 0) {
      return ReadAhead.stream(ds, sql, params, fetchSize, reader, what, server);
    }
    Connection c = null;
    PreparedStatement ps = null;
    ResultSet rs = null;
    try {
      c = ds.getConnection();
      ps = c.prepareStatement(sql);
      binaryResults(ps);
      bind(c, ps, params);
      rs = ps.executeQuery();
    } catch (SQLException e) {
      closeQuietly(rs);
      closeQuietly(ps);
      rollbackQuietly(c);
      closeQuietly(c);
      throw translate(e, "querying " + what, server);
    }
    Connection conn = c;
    PreparedStatement stmt = ps;
    ResultSet results = rs;
    var rows =
        new Spliterators.AbstractSpliterator<T>(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
          private boolean done;

          @Override
          public boolean tryAdvance(Consumer<? super T> action) {
            if (done) {
              return false;
            }
            T value;
            try {
              if (!results.next()) {
                done = true;
                return false;
              }
              value = reader.read(results);
            } catch (SQLException e) {
              done = true;
              throw translate(e, "reading " + what, server);
            }
            action.accept(value);
            return true;
          }
        };
    return StreamSupport.stream(rows, false)
        .onClose(
            () -> {
              closeQuietly(results);
              closeQuietly(stmt);
              rollbackQuietly(conn);
              closeQuietly(conn);
            });
  }
}
