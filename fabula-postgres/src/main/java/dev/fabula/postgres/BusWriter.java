package dev.fabula.postgres;

import dev.fabula.event.OutcomeUnknownException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>What one publish brings cannot fail the others: a group the server refuses for a value
 * (a payload or metadata {@code jsonb} will not take) is written again publish by publish, so
 * only the publish at fault fails. A connection lost while the statement ran leaves each publish's
 * outcome unknown (it may have committed and been delivered), and each publisher is told so with
 * an {@link OutcomeUnknownException}; a connection that could not be had stored nothing.
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
    try {
      return Collections.nCopies(group.size(), GroupCommit.Outcome.of(insert(group)));
    } catch (LostDuringStatement lost) {
      List<GroupCommit.Outcome<Long>> unknown = new ArrayList<>(group.size());
      for (Batch b : group) {
        unknown.add(GroupCommit.Outcome.failed(outcomeUnknown(b, lost.getCause())));
      }
      return unknown;
    } catch (PostgresException e) {
      if (group.size() == 1 || !GroupWriter.isOneBatchsFault(e)) {
        throw e;
      }
    }
    List<GroupCommit.Outcome<Long>> outcomes = new ArrayList<>(group.size());
    for (Batch b : group) {
      try {
        outcomes.add(GroupCommit.Outcome.of(insert(List.of(b))));
      } catch (LostDuringStatement lost) {
        outcomes.add(GroupCommit.Outcome.failed(outcomeUnknown(b, lost.getCause())));
      } catch (RuntimeException e) {
        outcomes.add(GroupCommit.Outcome.failed(e));
      }
    }
    return outcomes;
  }

  /**
   * Inserts the group's events in one statement and returns the last bus position.
   *
   * @throws LostDuringStatement when the connection broke once the statement was sent
   */
  private long insert(List<Batch> group) throws LostDuringStatement {
    List<EventColumns> columns = new ArrayList<>(group.size());
    List<Long> storePositions = new ArrayList<>();
    for (Batch b : group) {
      columns.add(b.columns);
      Collections.addAll(storePositions, b.storePositions);
    }
    String what = "publishing " + storePositions.size() + " events to " + table
        + (group.size() > 1 ? " (" + group.size() + " publishes together)" : "");
    Connection c;
    try {
      c = ds.getConnection();
    } catch (SQLException e) {
      throw Pg.translate(e, what, server); // nothing was sent
    }
    try (c; PreparedStatement ps = c.prepareStatement(insertSql)) {
      int p = EventColumns.concat(columns).bindArrays(c, ps, 1);
      ps.setArray(p++, c.createArrayOf("int8", storePositions.toArray()));
      ps.setString(p, channel);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      if (Pg.isConnectionFailure(e)) {
        throw new LostDuringStatement(e);
      }
      throw Pg.translate(e, what, server);
    }
  }

  @Override
  public RuntimeException inFlightFailure(Batch batch, Throwable error) {
    return outcomeUnknown(batch, error);
  }

  private OutcomeUnknownException outcomeUnknown(Batch batch, Throwable cause) {
    return new OutcomeUnknownException(Arrays.asList(batch.columns.ids()),
        "publishing " + batch.storePositions.length + " events to " + table + " at " + server
            + " failed once the statement was on its way (" + cause + "): it may have committed and"
            + " been delivered; publish again only if duplicates are acceptable (subscribers that"
            + " dedupe by event id)", cause);
  }

  /** A connection lost while a statement ran: each of its publishes' outcome is unknown. */
  private static final class LostDuringStatement extends Exception {
    private static final long serialVersionUID = 1L;

    LostDuringStatement(SQLException cause) {
      super(cause);
    }
  }
}
