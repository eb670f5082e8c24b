package dev.fabula.postgres;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/** A row of the bus table (ADR 0017): its bus position and the event's columns (with its store position). */
record BusRow(long position, EventReader.Row event) {
  /** The columns a read of the bus table selects, in {@link #read}'s order. */
  static final String COLUMNS =
      "position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data, metadata,"
          + " store_position";

  /** The row whose {@link #COLUMNS} start at column {@code first} of the current result row. */
  static BusRow read(ResultSet rs, int first) throws SQLException {
    int c = first;
    String aggName = rs.getString(c + 4);
    return new BusRow(
        rs.getLong(c),
        new EventReader.Row(
            rs.getLong(c + 10), rs.getObject(c + 1, UUID.class), rs.getString(c + 2), rs.getLong(c + 3), aggName,
            aggName == null ? null : rs.getObject(c + 5, UUID.class), rs.getInt(c + 6), rs.getInt(c + 7),
            rs.getBytes(c + 8), rs.getBytes(c + 9)));
  }
}
