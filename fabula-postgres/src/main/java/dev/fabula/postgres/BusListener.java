package dev.fabula.postgres;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGNotification;

/**
 * The LISTEN half of the PostgreSQL event bus (ADR 0017): one pooled connection that listens on
 * the bus table's channel and calls {@code wake} for each batch of notifications, and once after
 * every (re)connect, so the pump reads whatever was published while it was not listening. A lost
 * connection is logged and replaced with back-off until {@link #close()}; the thread never ends
 * on a failure.
 */
final class BusListener {
  /**
   * How long one wait for notifications lasts (it only bounds a socket read; nothing is sent), so
   * the thread sees close soon and gives its connection back.
   */
  private static final int SLICE_MILLIS = 250;

  private static final System.Logger LOG = System.getLogger(BusListener.class.getName());

  private final DataSource ds;
  private final String channel;
  private final String server;
  private final long pollMillis;
  private final Runnable wake;
  private final Thread thread;
  private volatile boolean closed;
  private volatile int pid;

  BusListener(DataSource ds, String channel, String server, long pollMillis, Runnable wake) {
    this.ds = ds;
    this.channel = channel;
    this.server = server;
    this.pollMillis = pollMillis;
    this.wake = wake;
    this.thread = Thread.ofPlatform().daemon().name("fabula-pg-bus-listen " + channel).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** Stops listening; the thread gives its connection back within one wait. */
  void close() {
    closed = true;
  }

  /** The backend process id of the LISTEN connection, or 0 while there is none. */
  int pid() {
    return pid;
  }

  /**
   * Gives the connection back to its pool no longer listening: a pooled connection left listening
   * would collect notifications for its next borrower forever, and while idle it would stop
   * consuming the server's notification queue until every NOTIFY (every publish) failed. One that
   * cannot stop listening is aborted rather than given back.
   */
  private void release(@Nullable Connection c) {
    if (c == null) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("UNLISTEN *");
    } catch (Throwable e) {
      try {
        if (ds instanceof HikariDataSource h) {
          h.evictConnection(c); // closes it
          return;
        }
        c.abort(Runnable::run);
      } catch (Throwable ignored) {
        // gone already: closing it below gives nothing listening back
      }
    }
    Pg.closeQuietly(c);
  }

  private void run() {
    int failures = 0;
    while (!closed) {
      Connection c = null;
      try {
        c = ds.getConnection();
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN \"" + channel + "\"");
          try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
          }
        }
        wake.run(); // whatever was published while this connection was missing is read now
        failures = 0;
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notes = pg.getNotifications(SLICE_MILLIS);
          if (notes != null && notes.length > 0) {
            wake.run();
          }
        }
      } catch (Throwable e) { // a killed backend, a server restart, an Error: reported, and listen again
        if (closed) {
          return;
        }
        failures++;
        LOG.log(System.Logger.Level.WARNING, "the PostgreSQL event bus lost its LISTEN connection to " + server
            + " for " + channel + "; it polls every " + pollMillis + " ms until it listens again (attempt "
            + failures + ")", e);
        BusRetry.sleepQuietly(BusRetry.backoffMillis(failures));
      } finally {
        pid = 0;
        release(c);
      }
    }
  }
}
