package dev.fabula.postgres;

import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.spi.BatchValidator.Span;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.util.PSQLException;

/**
 * Writes one validated batch as one INSERT in autocommit, and when the server refuses it says why
 * in the contract's terms: a lost race ({@link ConcurrencyException}), a duplicate id, or a batch
 * that does not continue its stored stream ({@link InvalidBatchException}).
 */
final class EventWriter {
  /**
   * A validated batch with its columns encoded.
   *
   * @param spans each aggregate's versions in the batch, as {@link
   *     dev.fabula.spi.BatchValidator#validate} returns them
   */
  record Batch(List<? extends Event<?>> events, List<Span> spans, EventColumns columns) {}

  private final DataSource ds;
  private final String table;
  private final String server;
  /** The name of the unique index on event ids, whose violation is a duplicate id. */
  private final String idKey;
  private final InsertStatements statements;
  private final LostInsert lostInsert;

  EventWriter(DataSource ds, PostgresOptions options, String table, String server, LostInsert lostInsert) {
    this.ds = ds;
    this.table = table;
    this.server = server;
    this.idKey = Schema.indexName(options.eventsTable(), "id_key");
    this.statements = new InsertStatements(table);
    this.lostInsert = lostInsert;
  }

  /** Writes {@code batch} (a caller's, or a group's) and returns its events with their positions. */
  List<Event<?>> write(Batch batch) {
    List<? extends Event<?>> events = batch.events();
    List<Span> spans = batch.spans();
    EventColumns columns = batch.columns();
    int n = events.size();
    Connection c = null;
    LostInsert.@Nullable Backend backend = null;
    boolean sent = false;
    try {
      c = ds.getConnection();
      // Taken now: the pool replaces a connection that failed by a closed stand-in.
      backend = LostInsert.backend(c);
      // Autocommit: the guarded INSERT is one statement, so it is the atomic unit, and it
      // commits in the same round trip.
      Map<UUID, Long> positions = new HashMap<>(n * 2);
      boolean guard = !startsEveryStream(spans);
      try (PreparedStatement ps = c.prepareStatement(statements.sql(guard, n))) {
        if (n == 1) {
          columns.bindRow(ps, 1, 0);
        } else {
          int p;
          if (n <= InsertStatements.MAX_VALUES_ROWS) {
            p = 1;
            for (int i = 0; i < n; i++) {
              p = columns.bindRow(ps, p, i);
            }
          } else {
            p = columns.bindArrays(c, ps, 1);
          }
          if (guard) {
            bindSpans(c, ps, p, spans);
          }
        }
        sent = true;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            positions.put(rs.getObject(1, UUID.class), rs.getLong(2));
          }
        }
      }
      if (positions.size() != n) {
        // The guard held the batch back: nothing was stored. Say which aggregate and why.
        throw continuityFailure(c, spans);
      }
      List<Event<?>> stored = new ArrayList<>(n);
      long previous = 0;
      for (Event<?> e : events) {
        long position = positions.get(e.id());
        if (position <= previous) {
          throw new IllegalStateException("positions were not assigned in batch order");
        }
        previous = position;
        stored.add(e.withPosition(position));
      }
      return stored;
    } catch (SQLException e) {
      if (sent && Pg.isConnectionFailure(e)) {
        // The statement may have been sent: it may have committed with its reply lost, or still
        // run on a backend whose client is gone. Find out instead of saying "nothing stored".
        Pg.closeQuietly(c);
        c = null;
        return lostInsert.settle(events, e, backend);
      }
      Pg.rollbackQuietly(c);
      String state = e.getSQLState();
      if (c != null && (Pg.UNIQUE_VIOLATION.equals(state) || Pg.DEADLOCK.equals(state))) {
        // A deadlock between inserts is two writers taking the same versions: a lost race too.
        // Diagnosed on this connection (autocommit: usable after the failed statement), never on
        // a second one while holding it (ReadSlots relies on that).
        throw conflict(c, e, events, spans);
      }
      throw Pg.translate(e, "inserting " + n + " events into " + table, server);
    } catch (RuntimeException e) {
      Pg.rollbackQuietly(c);
      throw e;
    } finally {
      Pg.closeQuietly(c);
    }
  }

  /** Whether every aggregate of the batch starts at version 1 (true when it has none). */
  private static boolean startsEveryStream(List<Span> spans) {
    for (Span span : spans) {
      if (span.firstVersion() != 1) {
        return false;
      }
    }
    return true;
  }

  /** Binds the first version of each aggregate in the batch, for the continuity guard. */
  private static void bindSpans(Connection c, PreparedStatement ps, int first, List<Span> spans)
      throws SQLException {
    int n = spans.size();
    String[] names = new String[n];
    UUID[] ids = new UUID[n];
    Integer[] firsts = new Integer[n];
    for (int i = 0; i < n; i++) {
      Span s = spans.get(i);
      names[i] = s.name();
      ids[i] = s.id();
      firsts[i] = s.firstVersion();
    }
    ps.setArray(first, c.createArrayOf("text", names));
    ps.setArray(first + 1, c.createArrayOf("uuid", ids));
    ps.setArray(first + 2, c.createArrayOf("int4", firsts));
  }

  /** After the guard refused a batch: the aggregate whose stored stream it does not continue. */
  private RuntimeException continuityFailure(Connection c, List<Span> spans) throws SQLException {
    for (Span s : spans) {
      int stored = storedVersion(c, s, s.firstVersion() - 1);
      if (stored != s.firstVersion() - 1) {
        return new InvalidBatchException(
            "the batch starts " + s.name() + " " + s.id() + " at version " + s.firstVersion()
                + ", but the stored stream ends at version " + stored);
      }
    }
    // The stream moved between the guard and this check (deleted, or rewritten): a lost race.
    Span s = spans.get(0);
    return new ConcurrencyException(s.name(), s.id(), s.firstVersion() - 1, -1);
  }

  /** The highest stored version of {@code span}'s aggregate up to {@code atMost}, or 0. */
  private int storedVersion(Connection c, Span span, int atMost) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT coalesce(max(aggregate_version), 0) FROM " + table
            + " WHERE aggregate_name = ? AND aggregate_id = ? AND aggregate_version <= ?")) {
      ps.setString(1, span.name());
      ps.setObject(2, span.id());
      ps.setInt(3, atMost);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /**
   * Turns a unique violation or a deadlock into the exception the contract names, diagnosed on
   * {@code c}, the connection the statement failed on (autocommit: the failed statement is rolled
   * back and the connection usable).
   */
  private RuntimeException conflict(
      Connection c, SQLException e, List<? extends Event<?>> events, List<Span> spans) {
    String constraint = e instanceof PSQLException p && p.getServerErrorMessage() != null
        ? String.valueOf(p.getServerErrorMessage().getConstraint())
        : "";
    if (constraint.equals(idKey)) {
      Set<UUID> existing = Set.of();
      try {
        existing = LostInsert.storedPositions(c, table, events).keySet();
      } catch (SQLException ignored) {
        // fall back to the first id below
      }
      for (Event<?> ev : events) {
        if (existing.contains(ev.id())) {
          return new DuplicateEventException(ev.id());
        }
      }
      return new DuplicateEventException(events.get(0).id());
    }
    // The (aggregate name, id, version) key: find the aggregate whose stream moved on.
    for (Span s : spans) {
      int current;
      try {
        current = storedVersion(c, s, Integer.MAX_VALUE);
      } catch (SQLException unknown) {
        current = -1;
      }
      if (current >= s.firstVersion()) {
        return new ConcurrencyException(s.name(), s.id(), s.firstVersion() - 1, current);
      }
    }
    if (spans.isEmpty()) {
      return Pg.translate(e, "inserting events into " + table, server);
    }
    // The winner was deleted again, or rolled back after making us wait: still a lost race.
    Span first = spans.get(0);
    return new ConcurrencyException(first.name(), first.id(), first.firstVersion() - 1, -1);
  }
}
