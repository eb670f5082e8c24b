package dev.fabula.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;

/**
 * Writes the publishes of a PostgreSQL event bus in groups ({@link GroupCommit}, as the store
 * does, ADR 0009): publishes that arrive while two are being written share the next transaction.
 * Without it, each publish held a pooled connection for its own commit, and 2,000 commands in
 * flight on the distributed command bus (about 10,000 protocol messages) left hundreds of
 * publishers waiting for a connection until the pool's timeout failed them.
 *
 * <p>The bus table has no constraint an event can break (positions are the transaction's, ids
 * may repeat), so a group fails only as a whole: a lost connection or a server error, which every
 * member is told.
 */
final class BusWriter implements GroupCommit.Writer<BusWriter.Batch, Long> {
  /** One publish: its events encoded, and each event's position in the store (0: none). */
  record Batch(EventColumns columns, Long[] storePositions) {}

  private final DataSource ds;
  private final String insertSql;
  private final String channel;
  private final String table;
  private final String server;

  BusWriter(DataSource ds, String insertSql, String channel, String table, String server) {
    this.ds = ds;
    this.insertSql = insertSql;
    this.channel = channel;
    this.table = table;
    this.server = server;
  }

  @Override
  public boolean fits(List<Batch> taken, Batch next) {
    long events = next.storePositions.length;
    for (Batch b : taken) {
      events += b.storePositions.length;
    }
    return events <= GroupWriter.MAX_GROUP_EVENTS;
  }

  /**
   * Inserts the group in one statement that also notifies the bus's listeners on commit, and
   * gives every publish the bus position of the group's last event (each publish's events are at
   * or before it).
   */
  @Override
  public List<GroupCommit.Outcome<Long>> write(List<Batch> group) {
    List<EventColumns> columns = new ArrayList<>(group.size());
    List<Long> storePositions = new ArrayList<>();
    for (Batch b : group) {
      columns.add(b.columns);
      Collections.addAll(storePositions, b.storePositions);
    }
    long last;
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(insertSql)) {
      int p = EventColumns.concat(columns).bindArrays(c, ps, 1);
      ps.setArray(p++, c.createArrayOf("int8", storePositions.toArray()));
      ps.setString(p, channel);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        last = rs.getLong(1);
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "publishing " + storePositions.size() + " events to " + table, server);
    }
    return Collections.nCopies(group.size(), GroupCommit.Outcome.of(last));
  }
}
