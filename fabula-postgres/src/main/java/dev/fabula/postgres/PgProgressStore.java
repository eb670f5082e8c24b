package dev.fabula.postgres;

import dev.fabula.projection.ProgressStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The PostgreSQL {@link ProgressStore}: one row per projection. {@code advance} is a conditional
 * {@code UPDATE} (or an upsert from 0), so of two concurrent runners only one moves a step. The
 * statements are also usable inside a caller's transaction ({@link #advance(Connection, String,
 * long, long)}), which is what exactly-once SQL read models do.
 */
final class PgProgressStore implements ProgressStore {
  private final DataSource ds;
  private final Lifecycle lifecycle;
  private final String table;
  private final String server;

  PgProgressStore(DataSource ds, PostgresOptions options, Runnable onClose) {
    this.ds = ds;
    this.lifecycle = new Lifecycle("progress store", onClose);
    this.table = options.schema() + "." + options.progressTable();
    this.server = Pg.server(ds);
    Schema.ensure(ds, options, Schema.progress(options));
  }

  /**
   * The position on the caller's transaction, locking its row until the transaction ends (an
   * absent row is position 0 and locks nothing): a reset or a step of another runner waits.
   */
  long positionForUpdate(Connection c, String projection) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT position FROM " + table + " WHERE projection = ? FOR UPDATE")) {
      ps.setString(1, projection);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  @Override
  public long position(String projection) {
    ensureOpen();
    ProgressStore.checkName(projection);
    try (Connection c = ds.getConnection()) {
      return position(c, projection);
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the progress of " + projection, server);
    }
  }

  long position(Connection c, String projection) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT position FROM " + table + " WHERE projection = ?")) {
      ps.setString(1, projection);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  @Override
  public SortedMap<String, Long> positions() {
    ensureOpen();
    var positions = new TreeMap<String, Long>();
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT projection, position FROM " + table);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        positions.put(rs.getString(1), rs.getLong(2));
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "listing the projections' progress in " + table, server);
    }
    return Collections.unmodifiableSortedMap(positions);
  }

  @Override
  public boolean advance(String projection, long expected, long position) {
    ensureOpen();
    ProgressStore.checkAdvance(projection, expected, position);
    try (Connection c = ds.getConnection()) {
      return advance(c, projection, expected, position);
    } catch (SQLException e) {
      throw Pg.translate(e, "advancing the progress of " + projection, server);
    }
  }

  /** The compare-and-set, on the caller's connection (and transaction). */
  boolean advance(Connection c, String projection, long expected, long position) throws SQLException {
    String sql = expected == 0
        // Absent and 0 are the same position.
        ? "INSERT INTO " + table + " AS p (projection, position) VALUES (?, ?)"
            + " ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position WHERE p.position = 0"
        : "UPDATE " + table + " SET position = ? WHERE projection = ? AND position = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (expected == 0) {
        ps.setString(1, projection);
        ps.setLong(2, position);
      } else {
        ps.setLong(1, position);
        ps.setString(2, projection);
        ps.setLong(3, expected);
      }
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * Moves the position to {@code position} on the caller's connection (and transaction) if it is
   * below {@code position} and not below {@code floor}: the step of an exactly-once read model
   * ({@link TxProjection}). Below {@code position}, so two runners never both commit one event;
   * not below {@code floor} (the last position the runner knows was committed), so a reset by
   * another runner since then makes the step fail. An absent row is position 0.
   */
  boolean advancePast(Connection c, String projection, long floor, long position) throws SQLException {
    String sql = floor == 0
        ? "INSERT INTO " + table + " AS p (projection, position) VALUES (?, ?)"
            + " ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position"
            + " WHERE p.position < EXCLUDED.position"
        : "UPDATE " + table + " SET position = ? WHERE projection = ? AND position < ? AND position >= ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (floor == 0) {
        ps.setString(1, projection);
        ps.setLong(2, position);
      } else {
        ps.setLong(1, position);
        ps.setString(2, projection);
        ps.setLong(3, position);
        ps.setLong(4, floor);
      }
      return ps.executeUpdate() == 1;
    }
  }

  @Override
  public void reset(String projection) {
    ensureOpen();
    ProgressStore.checkName(projection);
    try (Connection c = ds.getConnection()) {
      reset(c, projection);
    } catch (SQLException e) {
      throw Pg.translate(e, "resetting the progress of " + projection, server);
    }
  }

  void reset(Connection c, String projection) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE projection = ?")) {
      ps.setString(1, projection);
      ps.executeUpdate();
    }
  }

  String server() {
    return server;
  }


  @Override
  public void close() {
    lifecycle.close();
  }

  private void ensureOpen() {
    lifecycle.ensureOpen();
  }
}
