package dev.fabula.postgres;

import dev.fabula.FabulaException;
import dev.fabula.TransientException;
import dev.fabula.event.Event;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.ProgressStore;
import dev.fabula.projection.Projection;
import dev.fabula.projection.Resettable;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Adapts a {@link SqlProjection} to the job protocol of {@code dev.fabula.projection}: {@code
 * apply(event)} opens a transaction and runs the read model's statements in it, {@code
 * progress(position)} compare-and-sets the stored position in that same transaction and commits.
 * A job calls the two in this order for each event, under the projection's lock (see ADR 0004), so
 * one transaction covers exactly one event.
 */
final class TxProjection implements Projection, ProgressAware, Resettable {
  private final DataSource ds;
  private final SqlProjection projection;
  private final PgProgressStore progress;
  private final String name;
  private @Nullable Connection tx;
  private long committed;

  TxProjection(DataSource ds, SqlProjection projection, PgProgressStore progress) {
    this.ds = ds;
    this.projection = projection;
    this.progress = progress;
    this.name = ProgressStore.checkName(projection.projectionName());
  }

  @Override
  public String projectionName() {
    return name;
  }

  @Override
  public long progress() {
    abandon(); // a job starts: nothing half-done may survive from a failed one
    try (Connection c = ds.getConnection()) {
      committed = progress.position(c, name);
      return committed;
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the progress of " + name, progress.server());
    }
  }

  @Override
  public void apply(Event<?> event) throws Exception {
    Connection c = begin();
    try {
      projection.apply(event, c);
    } catch (Exception | Error e) {
      abandon();
      throw e;
    }
  }

  @Override
  public void progress(long position) {
    try {
      Connection c = begin();
      if (!progress.advance(c, name, committed, position)) {
        abandon();
        long actual = progress();
        throw new TransientException(
            "Projection " + name + " was advanced to " + actual + " by another runner while this one"
                + " applied up to " + position + "; its changes were rolled back");
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
  public void reset() {
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
    Pg.rollbackQuietly(c);
    Pg.closeQuietly(c);
  }

  private void close() {
    Connection c = tx;
    tx = null;
    Pg.closeQuietly(c);
  }

  @Override
  public String toString() {
    return "exactly-once SQL projection " + name;
  }
}
