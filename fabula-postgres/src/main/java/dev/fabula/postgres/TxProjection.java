package dev.fabula.postgres;

import dev.fabula.FabulaException;
import dev.fabula.TransientException;
import dev.fabula.event.Event;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.ProgressStore;
import dev.fabula.projection.Projection;
import dev.fabula.projection.ReapplyRefusedException;
import dev.fabula.projection.Reapplicable;
import dev.fabula.projection.Resettable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Adapts a {@link SqlProjection} to the job protocol of {@code dev.fabula.projection}: {@code
 * apply(event)} opens a transaction and runs the read model's statements in it, {@code
 * progress(position)} moves the stored position in that same transaction and commits. A job calls
 * the two in this order for each event, under the projection's lock (see ADR 0004), so one
 * transaction covers exactly one stored event: all the parts of one that event upcasters split
 * (ADR 0021), which share its position and are applied before one {@code progress(position)}.
 *
 * <p><b>The getter is a pure read.</b> {@link #progress()} reads the committed position on a
 * connection of its own and touches nothing else, so a gauge may poll it from any thread while a
 * job runs. What a failed job may have left half-done is cleaned up by the next mutator instead:
 * {@code apply} rolls back a transaction still open from an {@code apply} that was never followed
 * by {@code progress(position)}, and {@code progress(position)} commits an open transaction only
 * if it was opened by the {@code apply} of the event at that very position.
 *
 * <p><b>The position only moves forward, and never past another runner.</b> The step is a
 * conditional update: the stored position must be below the new one (so of two runners, in this
 * process or another, only one commits a given event) and not below the last position this object
 * knows it committed or read (so a reset by another process, which sets it to 0, makes the step
 * fail instead of landing in the cleared read model). This object learns that position when it is
 * created, from its own commits and resets, and from a failed step; never from the getter, whose
 * callers may be anyone. A step that fails rolls the event back and throws a {@link
 * TransientException}; the next job starts from the stored position.
 *
 * <p><b>A failed part of a split event takes nothing else with it.</b> When the {@code apply} of a
 * later part fails, the transaction is rolled back at once (an idle open transaction would hold a
 * pooled connection and every reader's horizon while the job decides), and the earlier parts it
 * held are applied again first thing in the group's next transaction: the retry of the part, the
 * next part after a dead-lettered one, or {@code progress(position)}. So a part retried after a
 * transient failure, or moved past as a dead letter, leaves the earlier parts committed with the
 * group, as {@link Projection#apply} promises; a job that starts the group over drops them.
 *
 * <p><b>Retrying a dead letter.</b> {@link #reapply} applies an event the position has passed in
 * a transaction of its own and commits it without touching the position; it first reads the
 * stored position with a row lock ({@code FOR UPDATE}) and refuses with a {@link
 * ReapplyRefusedException} when the position is below the event (another runner reset the read
 * model since: its rebuild applies the event), so the event is never applied twice. A reset by
 * another runner that comes later waits for the row, and then clears the retried change too.
 *
 * <p><b>Connections.</b> Each event takes a pooled connection for its transaction and gives it back
 * at the commit; the job's read holds another for the whole read. That pool can always serve the
 * transactions is the read side's part: cursor reads leave one connection of a HikariCP pool free
 * ({@link ReadAhead}). A pool that has no connection to give within its timeout makes {@code apply}
 * throw a {@link PostgresConnectionException} (transient: the job's retry policy applies).
 */
final class TxProjection implements Projection, Reapplicable, Resettable {
  private final DataSource ds;
  private final SqlProjection projection;
  private final PgProgressStore progress;
  private final String name;
  // Touched only by the job that holds the projection's lock (jobs hand it over through the lock).
  private @Nullable Connection tx;
  /** The position of the event whose {@code apply} opened {@link #tx}; meaningless without one. */
  private long pending;
  /**
   * The events applied in {@link #tx}: the parts of one split stored event share a transaction,
   * and a job that applies a part again (it starts the group over) starts it anew.
   */
  private final List<Event<?>> inTx = new ArrayList<>();
  /**
   * Earlier parts of the stored event at {@link #redoAt} that were rolled back with a later part
   * that failed: applied again, first thing, in the next transaction of that group (see {@link
   * #failed}).
   */
  private final List<Event<?>> redo = new ArrayList<>();

  private long redoAt = -1;
  /** The last position known to be committed by this object, read at creation or after a failed step. */
  private long committed;

  TxProjection(DataSource ds, SqlProjection projection, PgProgressStore progress) {
    this.ds = ds;
    this.projection = projection;
    this.progress = progress;
    this.name = ProgressStore.checkName(projection.projectionName());
    this.committed = read();
  }

  @Override
  public String projectionName() {
    return name;
  }

  /** The committed position, read on a connection of its own; changes nothing. */
  @Override
  public long progress() {
    return read();
  }

  private long read() {
    try (Connection c = ds.getConnection()) {
      return progress.position(c, name);
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the progress of " + name, progress.server());
    }
  }

  @Override
  public void apply(Event<?> event) throws Exception {
    if (tx != null && (pending != event.position() || applied(inTx, event))) {
      abandon(); // left open by an apply whose job never reached progress(position)
    }
    if (redoAt != event.position() || applied(redo, event)) {
      redo.clear(); // another stored event, or a job starting this one over from its first part
    }
    // Otherwise a later part of the stored event split by event upcasters (ADR 0021) whose
    // earlier parts are in the open transaction: the parts commit together at progress(position).
    Connection c;
    try {
      c = begin();
    } catch (SQLException e) {
      throw Pg.translate(e, "opening the transaction of projection " + name, progress.server());
    }
    pending = event.position();
    try {
      redo(c);
      projection.apply(event, c);
      inTx.add(event);
    } catch (SQLException e) {
      failed(event);
      // A lost connection or a pool timeout in the read model's statements is worth a retry too.
      throw Pg.isConnectionFailure(e) ? Pg.translate(e, "applying projection " + name, progress.server()) : e;
    } catch (Exception | Error e) {
      failed(event);
      throw e;
    }
  }

  private static boolean applied(List<Event<?>> events, Event<?> event) {
    for (Event<?> e : events) {
      if (e.id().equals(event.id())) {
        return true;
      }
    }
    return false;
  }

  /** Applies the parts to redo (see {@link #failed}) in the transaction just begun. */
  private void redo(Connection c) throws Exception {
    if (redo.isEmpty() || redoAt != pending) {
      return;
    }
    for (Event<?> part : redo) {
      projection.apply(part, c);
      inTx.add(part);
    }
    redo.clear();
  }

  /**
   * The apply of {@code event} failed: the whole transaction is rolled back (never left open, idle,
   * holding a connection and, on PostgreSQL, every reader's horizon, while the job decides what to
   * do), and the earlier parts of the same stored event that were in it are kept to be applied
   * again in the group's next transaction: when the job retries the part, moves past it as a dead
   * letter, or reaches {@code progress(position)}. So one failed part never takes the others with
   * it. A job that starts the group over from its first part drops them instead.
   */
  private void failed(Event<?> event) {
    // In the order they were applied: the redo (when it failed part-way, some of it is in inTx
    // too), then what this transaction applied after it.
    List<Event<?>> earlier = new ArrayList<>();
    if (redoAt == event.position()) {
      earlier.addAll(redo);
    }
    for (Event<?> e : inTx) {
      if (e.position() == event.position() && !applied(earlier, e)) {
        earlier.add(e);
      }
    }
    abandon();
    redo.clear();
    redo.addAll(earlier);
    redoAt = event.position();
  }

  @Override
  public void progress(long position) {
    if (tx != null && pending != position) {
      abandon(); // not the transaction of this event's apply: a leftover of a failed job
    }
    if (redoAt != position) {
      redo.clear();
    }
    try {
      Connection c = begin();
      pending = position;
      try {
        redo(c); // earlier parts of a split event whose last part failed and was moved past
      } catch (SQLException e) {
        throw e;
      } catch (Exception e) {
        abandon(); // the redo stays for the next try
        throw new TransientException(
            "Projection " + name + " could not apply again the parts of the event at position "
                + position + " that a failed part had rolled back: " + e.getMessage(), e);
      }
      if (!progress.advancePast(c, name, committed, position)) {
        abandon();
        long actual = read();
        committed = actual;
        throw new TransientException(
            "Projection " + name + " is at " + actual + " (moved by another runner or reset) while this"
                + " one applied up to " + position + "; its changes were rolled back");
      }
      c.commit();
      committed = position;
      close();
    } catch (SQLException e) {
      abandon();
      throw Pg.translate(e, "committing projection " + name + " at position " + position, progress.server());
    }
  }

  @Override
  public void reapply(Event<?> event) throws Exception {
    abandon(); // left open by an apply whose job never reached progress(position)
    Connection c;
    try {
      c = begin();
    } catch (SQLException e) {
      throw Pg.translate(e, "opening the transaction of projection " + name, progress.server());
    }
    try {
      long at = progress.positionForUpdate(c, name);
      if (at < event.position()) {
        abandon();
        committed = at;
        throw new ReapplyRefusedException(
            "projection " + name + " is stored at position " + at + ", before event " + event.id()
                + " at " + event.position() + ": it was reset since the event failed, and its"
                + " rebuild applies the event when it gets there; evict the letter");
      }
      projection.apply(event, c);
      c.commit();
      close();
    } catch (ReapplyRefusedException e) {
      throw e;
    } catch (SQLException e) {
      abandon();
      throw Pg.isConnectionFailure(e)
          ? Pg.translate(e, "applying projection " + name + " again to event " + event.id(), progress.server())
          : e;
    } catch (Exception | Error e) {
      abandon();
      throw e;
    }
  }

  @Override
  public void reset() {
    abandon();
    redo.clear();
    try {
      Connection c = begin();
      projection.reset(c);
      progress.reset(c, name);
      c.commit();
      committed = 0;
      close();
    } catch (SQLException e) {
      abandon();
      throw Pg.translate(e, "resetting projection " + name, progress.server());
    } catch (RuntimeException e) {
      abandon();
      throw e;
    } catch (Exception e) {
      abandon();
      throw new FabulaException("Resetting projection " + name + " failed: " + e.getMessage(), e);
    }
  }

  private Connection begin() throws SQLException {
    Connection c = tx;
    if (c == null) {
      c = ds.getConnection();
      try {
        c.setAutoCommit(false);
      } catch (SQLException e) {
        Pg.closeQuietly(c);
        throw e;
      }
      tx = c;
    }
    return c;
  }

  /** Rolls back and releases the open transaction, if any. */
  private void abandon() {
    Connection c = tx;
    tx = null;
    inTx.clear();
    Pg.rollbackQuietly(c);
    Pg.closeQuietly(c);
  }

  private void close() {
    Connection c = tx;
    tx = null;
    inTx.clear();
    Pg.closeQuietly(c);
  }

  @Override
  public String toString() {
    return "exactly-once SQL projection " + name;
  }
}
