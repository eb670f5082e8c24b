package dev.fabula.postgres;

import dev.fabula.event.Event;
import dev.fabula.event.OutcomeUnknownException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * Settles whether an insert whose connection broke was stored: stops the server process that ran
 * it, then looks for the batch's ids, within {@link PostgresOptions#outcomeTimeout()}.
 */
final class LostInsert {
  /** How long to wait between two attempts to settle a lost insert. */
  private static final long SETTLE_PAUSE_NANOS = 20_000_000;

  /**
   * A server process, told apart from a later one with the same pid (after a restart, or another
   * client's behind a pooler) by its start time, as {@code pg_stat_activity.backend_start} prints it.
   */
  record Backend(int pid, String start) {}

  /** The backend of each physical connection, asked once per connection. */
  private static final Map<Object, Backend> BACKENDS = Collections.synchronizedMap(new WeakHashMap<>());

  private final DataSource ds;
  private final String table;
  private final String server;
  private final Duration outcomeTimeout;

  /** Whether {@code pg_terminate_backend} can wait for the exit (PostgreSQL 14+); null until asked. */
  private volatile @Nullable Boolean terminateWaits;

  LostInsert(DataSource ds, String table, String server, Duration outcomeTimeout) {
    this.ds = ds;
    this.table = table;
    this.server = server;
    this.outcomeTimeout = outcomeTimeout;
  }

  /**
   * The server process behind {@code c}, or null when it cannot be known (not a pgjdbc
   * connection). Its pid is known to pgjdbc since login; its start time is asked once per
   * physical connection.
   */
  static @Nullable Backend backend(Connection c) throws SQLException {
    PGConnection pg;
    try {
      if (!c.isWrapperFor(PGConnection.class)) {
        return null;
      }
      pg = c.unwrap(PGConnection.class);
    } catch (SQLException | RuntimeException e) {
      return null;
    }
    Backend known = BACKENDS.get(pg);
    if (known != null) {
      return known;
    }
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT pg_backend_pid(), backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
      if (!rs.next() || rs.getString(2) == null) {
        return null;
      }
      Backend b = new Backend(rs.getInt(1), rs.getString(2));
      BACKENDS.put(pg, b);
      return b;
    }
  }

  /**
   * After the connection broke during an insert: settles on fresh connections whether the batch
   * was stored. First the old backend must be gone: while it lives, the statement may still
   * arrive (its bytes may sit in a kernel buffer, be retransmitted, or be forwarded late by a
   * proxy) and commit, even when the backend looks idle. So it is always stopped with {@code
   * pg_terminate_backend} (which lets a commit in progress complete and rolls anything else back)
   * and considered done only once it has left {@code pg_stat_activity}; it is matched by pid and
   * start time, so a later session with the same pid is left alone. Then the batch's ids tell:
   * all stored, the insert committed and its events are returned with their positions; otherwise
   * it stored nothing ({@link PostgresConnectionException}). If that cannot be learnt within
   * {@link PostgresOptions#outcomeTimeout()} (the server stays out of reach, or the backend is
   * unknown, or may not be signalled and does not exit), {@link OutcomeUnknownException}. Ids are
   * unique, so a retry of the same batch can never store it twice.
   */
  List<Event<?>> settle(List<? extends Event<?>> events, SQLException lost, @Nullable Backend backend) {
    int n = events.size();
    String what = "inserting " + n + " events into " + table;
    long deadline = System.nanoTime() + outcomeTimeout.toNanos();
    // The caller's own interrupt may be what closed the connection (a virtual thread's socket
    // closes on interrupt): it is kept for the caller, not let near the connections used here.
    boolean interrupted = Thread.interrupted();
    SQLException firstFailure = null;
    SQLException lastFailure = null;
    boolean backendGone = false;
    try {
      while (true) {
        try (Connection c = ds.getConnection()) {
          // The backend first: once it is gone, what the ids show is final.
          if (!backendGone && backend != null) {
            backendGone = stopAndCheckGone(c, backend, deadline);
          }
          Map<UUID, Long> found = storedPositions(c, table, events);
          if (found.size() == n) {
            List<Event<?>> stored = new ArrayList<>(n);
            for (Event<?> e : events) {
              stored.add(e.withPosition(found.get(e.id())));
            }
            return stored;
          }
          if (backendGone) {
            throw Pg.translate(lost, what + " (checked afterwards: the batch was not stored)", server);
          }
        } catch (SQLException e) {
          // The first failure and the last one tell the story; the ones between repeat it.
          if (firstFailure == null) {
            firstFailure = e;
          } else {
            lastFailure = e;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          if (firstFailure != null) {
            lost.addSuppressed(firstFailure);
          }
          if (lastFailure != null) {
            lost.addSuppressed(lastFailure);
          }
          throw outcomeUnknown(events, what, lost);
        }
        LockSupport.parkNanos(Math.min(SETTLE_PAUSE_NANOS, left));
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The one {@link OutcomeUnknownException} of an insert whose connection broke. */
  OutcomeUnknownException outcomeUnknown(List<? extends Event<?>> events, String what, Throwable cause) {
    return new OutcomeUnknownException(
        events.stream().map(Event::id).toList(),
        "Lost the connection to PostgreSQL at " + server + " while " + what
            + ", and could not learn within " + outcomeTimeout + " whether it was stored",
        cause);
  }

  /**
   * Stops {@code backend} if it still runs, and tells whether it is gone. On PostgreSQL 14 and
   * later {@code pg_terminate_backend} waits for the exit (at most until {@code deadline}); on
   * older servers the caller asks again after a pause.
   */
  private boolean stopAndCheckGone(Connection c, Backend backend, long deadline) throws SQLException {
    Boolean waits = terminateWaits;
    if (waits == null) {
      waits = c.getMetaData().getDatabaseMajorVersion() >= 14; // known since login
      terminateWaits = waits;
    }
    String match = " FROM pg_stat_activity WHERE pid = ? AND backend_start = ?::timestamptz AND pid <> pg_backend_pid()";
    try (PreparedStatement ps = c.prepareStatement(
        waits ? "SELECT pg_terminate_backend(pid, ?)" + match : "SELECT pg_terminate_backend(pid)" + match)) {
      int p = 1;
      if (waits) {
        ps.setLong(p++, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      ps.setInt(p++, backend.pid());
      ps.setString(p, backend.start());
      ps.executeQuery().close();
    } catch (SQLException refused) {
      if (Pg.isConnectionFailure(refused)) {
        throw refused;
      }
      // not allowed to signal it: wait for it to notice its client is gone
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT 1" + match)) {
      ps.setInt(1, backend.pid());
      ps.setString(2, backend.start());
      try (ResultSet rs = ps.executeQuery()) {
        return !rs.next();
      }
    }
  }

  /** The positions of the batch's events that are stored in {@code table}, by id. */
  static Map<UUID, Long> storedPositions(Connection c, String table, List<? extends Event<?>> events)
      throws SQLException {
    Map<UUID, Long> found = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT id, position FROM " + table + " WHERE id = ANY(?)")) {
      ps.setArray(1, c.createArrayOf("uuid", events.stream().map(Event::id).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.put(rs.getObject(1, UUID.class), rs.getLong(2));
        }
      }
    }
    return found;
  }
}
