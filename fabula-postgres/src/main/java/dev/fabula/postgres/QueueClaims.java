package dev.fabula.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Claims the bus's events for the queue groups with a member in this process (ADR 0017): one
 * claims row per (group, bus position) decides, across every bus on the table, which bus gives
 * the event to its group, and the members here take the events it won in turn. Confined to the
 * pump thread.
 */
final class QueueClaims {
  private final DataSource ds;
  private final String claimSql;
  /**
   * The claims this bus won and has not handed on yet; kept across a failed read, since a claim
   * made again finds itself taken.
   */
  private final Set<Claim> won = new HashSet<>();
  /** Per queue group, how many events the pump gave its members here: whose turn it is. */
  private final Map<String, Integer> turns = new HashMap<>();

  /** Claims in {@code claims}, the qualified name of the bus's claims table. */
  QueueClaims(DataSource ds, String claims) {
    this.ds = ds;
    this.claimSql =
        "INSERT INTO " + claims + " (grp, position) SELECT * FROM unnest(?::text[], ?::bigint[])"
            + " ON CONFLICT DO NOTHING RETURNING grp, position";
  }

  /** One event of the bus table taken by one queue group. */
  private record Claim(String group, long position) {}

  /**
   * Takes, for each queue group with a member here, the page's events a member matches, unless
   * a bus (here or in another process) took them already: one INSERT of (group, position) pairs
   * whose primary key lets one claim win. Remembers the claims this bus won.
   */
  void claim(List<BusRow> rows, List<BusSubscriber> live) throws SQLException {
    List<String> groups = new ArrayList<>();
    List<Long> positions = new ArrayList<>();
    for (BusRow row : rows) {
      Set<String> seen = new HashSet<>();
      for (BusSubscriber m : live) {
        String group = m.group();
        if (group != null && m.matches(row.event().name()) && seen.add(group)) {
          groups.add(group);
          positions.add(row.position());
        }
      }
    }
    if (groups.isEmpty()) {
      return;
    }
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(claimSql)) {
      ps.setArray(1, c.createArrayOf("text", groups.toArray()));
      ps.setArray(2, c.createArrayOf("int8", positions.toArray()));
      Set<Claim> taken = new HashSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          taken.add(new Claim(rs.getString(1), rs.getLong(2)));
        }
      }
      won.addAll(taken);
    }
  }

  /** Whether this bus won the event at {@code position} for {@code group}. */
  boolean won(String group, long position) {
    return won.contains(new Claim(group, position));
  }

  /**
   * The member of {@code group} whose turn it is among {@code candidates}; one that closed since
   * the page was read passes it to the next. Null when none is active.
   */
  @Nullable BusSubscriber next(String group, List<BusSubscriber> candidates) {
    int turn = turns.merge(group, 1, Integer::sum);
    for (int i = 0; i < candidates.size(); i++) {
      BusSubscriber m = candidates.get(Math.floorMod(turn + i, candidates.size()));
      if (m.isActive()) {
        return m;
      }
    }
    return null;
  }

  /** Forgets the claims up to {@code position}: handed on, or no member here wanted them any more. */
  void passed(long position) {
    won.removeIf(c -> c.position() <= position);
  }
}
