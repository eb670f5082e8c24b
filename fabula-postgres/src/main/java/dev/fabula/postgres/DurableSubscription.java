package dev.fabula.postgres;

import dev.fabula.FabulaException;
import dev.fabula.codec.Codec;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.spi.EventUpcasting;
import dev.fabula.spi.Subscriptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * A durable subscription of the PostgreSQL event bus (ADR 0017): its position is a row of the
 * durables table, keyed by the durable name. It reads the bus table by gap-safe position on a
 * thread of its own, calls the handler for each matching event, delivers it again when the
 * handler threw (up to {@link Durable#maxDeliveries()}, then reports that it gave up), and moves
 * the stored position past the event once the handler returned or it gave up: at least once. A
 * new name starts at the bus's horizon; a known one resumes after its stored position.
 *
 * <p>The handler runs on the subscription's thread, so one that hangs holds the subscription: the
 * event is not delivered again after {@link Durable#ackWait()} while it still runs (that would
 * run it twice at once).
 */
final class DurableSubscription implements Subscription {
  private static final int PAGE = 256;

  private final DataSource ds;
  /** How long close() lets a handler call finish before it interrupts it. */
  private static final long CLOSE_GRACE_MILLIS = 250;

  private final Codec codec;
  private final String durables;
  private final String server;
  private final Set<String> names;
  /** The names of the rows it reads: {@link #names} and the names event upcasters read as them. */
  private final Set<String> storedNames;
  private final EventHandler handler;
  private final SubscriptionOptions options;
  private final Durable durable;
  private final long pollMillis;
  private final String readSql;
  private final Semaphore wake = new Semaphore(0);
  private final ReentrantLock delivering = new ReentrantLock();
  private final Runnable onClose;
  private volatile boolean active = true;
  /**
   * Whether the worker is inside the handler, the only place close() may interrupt it (never in
   * an acknowledgement, whose socket I/O an interrupt would break); guarded by {@link #handlerState}.
   */
  private boolean inHandler;
  private final Object handlerState = new Object();
  private volatile Thread worker = Thread.currentThread();
  private long position;

  DurableSubscription(
      DataSource ds, Codec codec, String table, String durables, String server, long pollMillis, Set<String> names,
      EventHandler handler, SubscriptionOptions options, Runnable onClose) {
    this.ds = ds;
    this.codec = codec;
    this.durables = durables;
    this.server = server;
    this.names = names;
    this.storedNames = EventUpcasting.storedNames(codec.registry(), names);
    this.handler = handler;
    this.options = options;
    this.durable = java.util.Objects.requireNonNull(options.durable());
    this.pollMillis = pollMillis;
    this.onClose = onClose;
    this.readSql =
        "SELECT " + BusRow.COLUMNS + " FROM " + table + " WHERE position > ? AND " + Positions.SAFE
            + (names.contains(EventBus.ALL) ? "" : " AND name = ANY(?::text[])")
            + " ORDER BY position LIMIT " + PAGE;
    this.position = startPosition();
  }

  /** The stored position of the durable name, stored first as the horizon when the name is new. */
  private long startPosition() {
    try (Connection c = ds.getConnection();
        PreparedStatement insert = c.prepareStatement(
            "INSERT INTO " + durables + " (name, position) VALUES (?, pg_snapshot_xmin(pg_current_snapshot())"
                + "::text::bigint * " + Positions.EVENTS_PER_TRANSACTION + " - 1) ON CONFLICT (name) DO NOTHING");
        PreparedStatement select = c.prepareStatement("SELECT position FROM " + durables + " WHERE name = ?")) {
      insert.setString(1, durable.name());
      insert.executeUpdate();
      select.setString(1, durable.name());
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the position of durable subscription \"" + durable.name() + "\"", server);
    }
  }

  void start() {
    worker = Thread.ofVirtual().name("fabula-pg-durable-" + durable.name()).start(this::run);
  }

  /** Read now: something was published, or the bus looks again. */
  void wake() {
    wake.release();
  }

  private void run() {
    int failures = 0;
    while (active) {
      try {
        wake.tryAcquire(pollMillis, TimeUnit.MILLISECONDS);
        wake.drainPermits();
        List<BusRow> page;
        do {
          page = readPage();
          for (BusRow row : page) {
            if (!active) {
              return;
            }
            deliver(row);
          }
        } while (active && page.size() == PAGE);
        failures = 0;
      } catch (InterruptedException e) {
        // close() (active is now false), or an interrupt a handler left behind
      } catch (Throwable e) { // a broken connection, an Error: reported, and read again later
        if (!active) {
          return;
        }
        failures++;
        report(new FabulaException("durable subscription \"" + durable.name() + "\" could not read the bus at "
            + server + " after position " + position + "; it reads again from there (attempt " + failures + ")", e));
        BusRetry.sleepQuietly(BusRetry.backoffMillis(failures));
      }
    }
  }

  private List<BusRow> readPage() throws SQLException {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(readSql)) {
      ps.setLong(1, position);
      if (!names.contains(EventBus.ALL)) {
        ps.setArray(2, c.createArrayOf("text", storedNames.toArray()));
      }
      List<BusRow> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(BusRow.read(rs, 1));
        }
      }
      return rows;
    }
  }

  /**
   * Delivers one row until the handler returns or the delivery limit is reached, then
   * acknowledges it. A row that does not decode is reported and acknowledged: it never will.
   */
  private void deliver(BusRow row) {
    delivering.lock();
    try {
      if (!active) {
        return;
      }
      List<Event<?>> events = List.of(); // a row that does not decode never will: acknowledged
      try {
        events = EventReader.decodeAll(codec, row.event()); // one, or what upcasters make of it
      } catch (Throwable e) {
        report(e);
      }
      boolean done = true;
      for (Event<?> event : events) {
        if (names.contains(EventBus.ALL) || names.contains(event.name())) {
          done = deliver(event);
          if (!done) {
            break;
          }
        }
      }
      if (done) {
        acknowledge(row.position());
      } // else closed while delivering: not acknowledged, so it comes again after a restart
    } finally {
      delivering.unlock();
    }
  }

  /**
   * Delivers one event until the handler returns or the delivery limit is reached; false only when
   * closed first.
   */
  private boolean deliver(Event<?> event) {
    boolean done = false;
    for (int attempt = 1; !done && attempt <= durable.maxDeliveries() && active; attempt++) {
      done = handle(event);
      if (!done && attempt == durable.maxDeliveries()) {
        report(new FabulaException("durable subscription \"" + durable.name() + "\" gave up on event "
            + event.id() + " (" + event.name() + ") after " + attempt + " deliveries whose handler threw"));
        done = true;
      }
    }
    return done;
  }

  /** Calls the handler once; whether it returned. */
  private boolean handle(Event<?> event) {
    synchronized (handlerState) {
      inHandler = true;
    }
    try {
      handler.handle(event);
      return true;
    } catch (Throwable e) { // an Error too: reported, and delivered again
      if (active || !(e instanceof InterruptedException)) {
        report(e); // not close() interrupting it
      }
      return false;
    } finally {
      synchronized (handlerState) {
        inHandler = false;
      }
      // Cleared after leaving the handler, so no interrupt of close() reaches the acknowledgement;
      // nor does one the handler left behind stop delivery.
      Thread.interrupted();
    }
  }

  /** Stores the position past {@code at}; a failure is reported (the event may come again). */
  private void acknowledge(long at) {
    position = at;
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "UPDATE " + durables + " SET position = ? WHERE name = ? AND position < ?")) {
      ps.setLong(1, at);
      ps.setString(2, durable.name());
      ps.setLong(3, at);
      ps.executeUpdate();
    } catch (SQLException | RuntimeException e) {
      report(new FabulaException("durable subscription \"" + durable.name() + "\" could not store position " + at
          + " at " + server + "; after a restart it gets the events since the last stored one again", e));
    }
  }

  private void report(Throwable e) {
    Subscriptions.report(options, e, "durable subscription \"" + durable.name() + "\"");
  }

  @Override
  public boolean isActive() {
    return active;
  }

  /**
   * Stops delivery; waits for a handler call in progress and its acknowledgement (a handler still
   * running after a grace period is interrupted; an acknowledgement never is), so what was handled
   * is stored when this returns.
   */
  @Override
  public void close() {
    if (!active) {
      return;
    }
    active = false;
    onClose.run();
    wake.release();
    if (Thread.currentThread() != worker) {
      boolean interrupted = false;
      try {
        if (!delivering.tryLock(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
          synchronized (handlerState) {
            if (inHandler) {
              worker.interrupt();
            }
          }
          delivering.lock();
        }
      } catch (InterruptedException e) {
        interrupted = true;
        delivering.lock();
      }
      delivering.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
