package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.SortOrder;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotDecodingException;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventLimits;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;

/** The PostgreSQL {@link SnapshotStore}: one row per aggregate and version, state as JSONB. */
final class PgSnapshotStore implements SnapshotStore {
  private static final String COLUMNS = "aggregate_name, aggregate_id, version, time_ns, revision, state";

  private final DataSource ds;
  private final Codec codec;
  private final PostgresOptions options;
  private final Lifecycle lifecycle;
  private final String table;
  private final String server;

  PgSnapshotStore(DataSource ds, Codec codec, PostgresOptions options, Runnable onClose) {
    this.ds = ds;
    this.codec = codec;
    this.options = options;
    this.lifecycle = new Lifecycle("snapshot store", onClose);
    this.table = options.schema() + "." + options.snapshotsTable();
    this.server = Pg.server(ds);
    Schema.ensure(ds, options, Schema.snapshots(options));
  }

  @Override
  public void save(Snapshot s) {
    Objects.requireNonNull(s, "snapshot");
    ensureOpen();
    EventLimits.checkSnapshotName(s.aggregateName());
    String name = CodecRegistry.snapshotName(s.aggregateName());
    byte[] state = codec.encode(name, s.state());
    EventLimits.checkJsonState(s.aggregateName(), s.aggregateId(), s.version(), state); // before SQL sees it
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?::jsonb)"
                + " ON CONFLICT (aggregate_name, aggregate_id, version) DO UPDATE SET"
                + " time_ns = EXCLUDED.time_ns, revision = EXCLUDED.revision, state = EXCLUDED.state")) {
      ps.setString(1, s.aggregateName());
      ps.setObject(2, s.aggregateId());
      ps.setInt(3, s.version());
      ps.setLong(4, Pg.toNanos(s.time()));
      ps.setInt(5, codec.registry().revision(name));
      ps.setString(6, new String(state, StandardCharsets.UTF_8));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw Pg.translate(e, "saving a snapshot of " + s.aggregateName() + " " + s.aggregateId(), server);
    }
  }

  @Override
  public Optional<Snapshot> latest(String aggregateName, UUID aggregateId) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    return limit(aggregateName, aggregateId, Integer.MAX_VALUE);
  }

  @Override
  public Optional<Snapshot> version(String aggregateName, UUID aggregateId, int version) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    return one(" WHERE aggregate_name = ? AND aggregate_id = ? AND version = ?", aggregateName, aggregateId, version);
  }

  @Override
  public Optional<Snapshot> limit(String aggregateName, UUID aggregateId, int maxVersion) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    return one(
        " WHERE aggregate_name = ? AND aggregate_id = ? AND version <= ? ORDER BY version DESC LIMIT 1",
        aggregateName, aggregateId, maxVersion);
  }

  private Optional<Snapshot> one(String where, String name, UUID id, int version) {
    ensureOpen();
    EventLimits.checkText("aggregateName", name);
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table + where)) {
      ps.setString(1, name);
      ps.setObject(2, id);
      ps.setInt(3, version);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(reader.read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "reading a snapshot of " + name + " " + id, server);
    }
  }

  /** The columns of a stored snapshot ({@link #COLUMNS}), before decoding. */
  private record Row(String name, UUID id, int version, long timeNanos, int revision, byte[] state) {}

  /** Reads snapshots: the columns, then (maybe on another thread than the JDBC calls) the snapshot. */
  private final Pg.RowReader<Row, Snapshot> reader =
      new Pg.RowReader<>() {
        @Override
        public Row extract(ResultSet rs) throws SQLException {
          return new Row(
              rs.getString(1), rs.getObject(2, UUID.class), rs.getInt(3), rs.getLong(4), rs.getInt(5), rs.getBytes(6));
        }

        @Override
        public Snapshot decode(Row r) {
          Object decoded;
          try {
            decoded = codec.decode(CodecRegistry.snapshotName(r.name()), r.revision(), r.state());
          } catch (RuntimeException e) {
            throw new SnapshotDecodingException(r.name(), r.id(), r.version(), e);
          }
          return new Snapshot(r.name(), r.id(), r.version(), Pg.fromNanos(r.timeNanos()), decoded);
        }
      };

  @Override
  public Stream<Snapshot> query(SnapshotQuery q) {
    Objects.requireNonNull(q, "query");
    ensureOpen();
    EventLimits.checkSnapshotQuery(q);
    List<Object> p = new ArrayList<>();
    Where where = new Where(p)
        .anyOf("aggregate_name", "text", "text", q.aggregateNames())
        .anyOf("aggregate_id", "uuid", "uuid", q.aggregateIds())
        .anyOf("version", "int", "int4", q.versions());
    if (q.versionMin().isPresent()) {
      where.and("version >= ?", q.versionMin().getAsInt());
    }
    if (q.versionMax().isPresent()) {
      where.and("version <= ?", q.versionMax().getAsInt());
    }
    where.ifPresent(q.timeMin(), "time_ns >= ?", Pg::toNanos).ifPresent(q.timeMax(), "time_ns <= ?", Pg::toNanos);
    var sql = new StringBuilder("SELECT " + COLUMNS + " FROM " + table).append(where.sql());
    if (!q.sort().isEmpty()) {
      List<String> keys = new ArrayList<>();
      for (SortOrder o : q.sort()) {
        String dir = o.descending() ? " DESC" : " ASC";
        keys.add(
            switch (o.field()) {
              case AGGREGATE_NAME -> "aggregate_name COLLATE \"C\"" + dir;
              case AGGREGATE_ID -> "aggregate_id" + dir;
              case AGGREGATE_VERSION -> "version" + dir;
              case TIME -> "time_ns" + dir;
              case POSITION, NAME -> throw new IllegalStateException("unsortable " + o.field());
            });
      }
      sql.append(" ORDER BY ").append(String.join(", ", keys));
    }
    if (q.limit().isPresent()) {
      sql.append(" LIMIT ?");
      p.add(q.limit().getAsInt());
    }
    return Pg.stream(ds, sql.toString(), p, options.fetchSize(), reader, "snapshots from " + table, server);
  }

  @Override
  public void delete(List<Snapshot> snapshots) {
    Arguments.requireNoNulls(snapshots, "snapshots");
    ensureOpen();
    if (snapshots.isEmpty()) {
      return;
    }
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "DELETE FROM " + table + " WHERE (aggregate_name, aggregate_id, version) IN"
                + " (SELECT * FROM unnest(?::text[], ?::uuid[], ?::int[]))")) {
      ps.setArray(1, c.createArrayOf("text", snapshots.stream().map(Snapshot::aggregateName).toArray()));
      ps.setArray(2, c.createArrayOf("uuid", snapshots.stream().map(Snapshot::aggregateId).toArray()));
      ps.setArray(3, c.createArrayOf("int4", snapshots.stream().map(Snapshot::version).toArray()));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw Pg.translate(e, "deleting snapshots from " + table, server);
    }
  }

  @Override
  public void close() {
    lifecycle.close();
  }

  private void ensureOpen() {
    lifecycle.ensureOpen();
  }
}
