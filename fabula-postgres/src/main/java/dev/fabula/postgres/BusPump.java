package dev.fabula.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The pump of a PostgreSQL event bus (ADR 0017): one thread that follows the bus table by
 * position behind the gap-safe horizon (ADR 0005), woken by {@link #wake()} or at the latest after
 * the poll interval, and hands each row on to the bus's subscriptions. Its cursor moves only past
 * rows it handed on, so a lost notification, a broken connection or a failed read delays events
 * but never skips or repeats one.
 */
final class BusPump {
  /** How long published rows stay in the bus table: a bus is not a store (ADR 0017). */
  static final Duration RETENTION = Duration.ofDays(1);

  /** How often a bus deletes rows older than {@link #RETENTION}. */
  private static final long PRUNE_EVERY_NANOS = Duration.ofMinutes(10).toNanos();

  /** Rows read per round trip. */
  private static final int PAGE = 512;

  /** The first look again at rows held back by the horizon; doubled each time up to the poll. */
  private static final long MIN_RECHECK_MILLIS = 5;

  /** Named after the bus: the pump's reports are the bus's. */
  private static final System.Logger LOG = System.getLogger(PgEventBus.class.getName());

  private final DataSource ds;
  private final String table;
  private final String claims;
  private final String durables;
  private final String server;
  private final long pollMillis;
  private final String readSql;
  private final BusSubscribers subscribers;
  private final QueueClaims queueClaims;
  private final Backlog backlog;
  /** Permits mean "read now": a notification, a publish of this bus, a reconnect. */
  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private volatile boolean closed;
  /** The bus position of the last row the pump handed on (or skipped as unsubscribed). */
  private volatile long cursor;

  /**
   * A pump (not started) that reads {@code table} after {@code start}, claims in {@code claims},
   * keeps the rows the durable subscriptions in {@code durables} still need, and reports the rows it passes to {@code backlog}.
   */
  BusPump(
      DataSource ds, String table, String claims, String durables, String server, long pollMillis, long start,
      BusSubscribers subscribers, Backlog backlog) {
    this.ds = ds;
    this.table = table;
    this.claims = claims;
    this.durables = durables;
    this.server = server;
    this.pollMillis = pollMillis;
    this.subscribers = subscribers;
    this.queueClaims = new QueueClaims(ds, claims);
    this.backlog = backlog;
    // One row at least: the newest committed position (held back or not) beside each row the
    // horizon lets through, so the pump knows whether to look again soon.
    this.readSql =
        "SELECT m.newest, r.* FROM (SELECT max(position) AS newest FROM " + table + ") m LEFT JOIN LATERAL"
            + " (SELECT " + BusRow.COLUMNS + " FROM " + table
            + " WHERE position > ? AND " + Positions.SAFE + " ORDER BY position LIMIT " + PAGE + ") r ON true";
    this.cursor = start;
    this.thread = Thread.ofPlatform().daemon().name("fabula-pg-bus-pump " + table).unstarted(this::run);
  }

  /** The highest position a store-following read of {@code table} can never see anything appear below. */
  static long horizon(DataSource ds, String table, String server) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint * " + Positions.EVENTS_PER_TRANSACTION
                + " - 1")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the bus horizon of " + table, server);
    }
  }

  void start() {
    thread.start();
  }

  /** Asks for a read now. */
  void wake() {
    wake.release();
  }

  /** Stops the pump: it returns once it is no longer held by a subscription. */
  void close() {
    closed = true;
    wake.release();
  }

  private void run() {
    int failures = 0;
    long wait = pollMillis;
    long nextPrune = System.nanoTime();
    while (!closed) {
      try {
        if (wake.tryAcquire(wait, TimeUnit.MILLISECONDS)) {
          wake.drainPermits(); // one read serves every wake-up so far
        }
        subscribers.wakeDurables(); // they read on their own threads
        if (closed) {
          return;
        }
        if (System.nanoTime() - nextPrune >= 0) {
          nextPrune = System.nanoTime() + PRUNE_EVERY_NANOS;
          prune();
        }
        // Rows committed behind a writer still in flight (ADR 0005) sent their notification
        // already: look again soon, backing off up to the poll interval, rather than wait for it.
        wait = catchUp() ? Math.min(pollMillis, wait == pollMillis ? MIN_RECHECK_MILLIS : wait * 2) : pollMillis;
        failures = 0;
      } catch (InterruptedException e) {
        // Nobody interrupts the pump on purpose; go on until closed.
      } catch (Throwable e) { // a broken connection, an Error: reported, and read again later
        if (closed) {
          return;
        }
        failures++;
        LOG.log(System.Logger.Level.ERROR, "the PostgreSQL event bus could not read " + table + " at " + server
            + " after position " + cursor + "; it reads again from there (attempt " + failures + ")", e);
        BusRetry.sleepQuietly(BusRetry.backoffMillis(failures));
      }
    }
  }

  /**
   * Reads and hands on every row after the cursor that the gap-safe horizon has passed; returns
   * whether committed rows wait behind the horizon.
   */
  private boolean catchUp() throws SQLException {
    while (!closed) {
      Page page = readPage(cursor);
      List<BusSubscriber> live = subscribers.live();
      queueClaims.claim(page.rows(), live);
      for (BusRow row : page.rows()) {
        if (closed) {
          return false;
        }
        subscribers.handOn(row, live, queueClaims);
        cursor = row.position();
        backlog.passed(cursor);
      }
      queueClaims.passed(cursor);
      if (page.rows().size() < PAGE) {
        return page.newest() > cursor;
      }
    }
    return false;
  }

  /**
   * Deletes rows and claims older than {@link #RETENTION}, of any bus, but no row a durable
   * subscription has not acknowledged yet (one away for longer resumes without a gap); failures
   * are logged.
   */
  private void prune() {
    for (String sql : List.of(
        "DELETE FROM " + table + " WHERE published_at < now() - ?::interval"
            + " AND position <= coalesce((SELECT min(position) FROM " + durables + "), " + Long.MAX_VALUE + ")",
        "DELETE FROM " + claims + " WHERE claimed_at < now() - ?::interval")) {
      try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, RETENTION.toSeconds() + " seconds");
        ps.executeUpdate();
      } catch (SQLException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "the PostgreSQL event bus could not delete old rows at " + server
            + " (" + sql + "); it tries again later", e);
      }
    }
  }

  /** Rows after {@code after} below the horizon, and the newest committed position (or 0). */
  private record Page(List<BusRow> rows, long newest) {}

  private Page readPage(long after) throws SQLException {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(readSql)) {
      ps.setLong(1, after);
      List<BusRow> rows = new ArrayList<>();
      long newest = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          newest = rs.getLong(1);
          rs.getLong(2);
          if (rs.wasNull()) {
            break; // no row below the horizon: only the newest position
          }
          rows.add(BusRow.read(rs, 2));
        }
      }
      return new Page(rows, newest);
    }
  }
}
