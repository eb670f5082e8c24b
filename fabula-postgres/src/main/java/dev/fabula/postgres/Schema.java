package dev.fabula.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The tables of the PostgreSQL backend: their DDL, versioned migrations, and the check of an
 * existing table's shape.
 *
 * <p>Each table has a list of migrations, numbered from 1; the applied ones are recorded in {@code
 * <schema>.fabula_migrations} (table name, version). Version 1 creates the table and its indexes
 * with {@code IF NOT EXISTS}, so a table created by hand from the printed DDL is adopted. A future
 * change to a table is a new migration appended to its list; stores apply pending ones under a
 * transaction-level advisory lock, so concurrent processes starting at once do it exactly once.
 */
final class Schema {
  static final String MIGRATIONS_TABLE = "fabula_migrations";

  /** One table: its migrations, the columns it must have and the indexes it needs. */
  record Table(
      String kind,
      String schema,
      String name,
      List<List<String>> migrations,
      Map<String, String> columns,
      Map<String, String> indexes) {
    String qualified() {
      return schema + "." + name;
    }

    String ddl() {
      var sb = new StringBuilder();
      sb.append("CREATE SCHEMA IF NOT EXISTS ").append(schema).append(";\n");
      for (List<String> m : migrations) {
        for (String s : m) {
          sb.append(s).append(";\n");
        }
      }
      return sb.toString();
    }
  }

  private Schema() {}

  /** An index or constraint name derived from the table's, within PostgreSQL's 63 characters. */
  static String indexName(String table, String suffix) {
    int room = 63 - suffix.length() - 1;
    return (table.length() > room ? table.substring(0, room) : table) + "_" + suffix;
  }

  static Table events(PostgresOptions o) {
    String t = o.eventsTable();
    String q = o.schema() + "." + t;
    String versionKey = indexName(t, "aggregate_version_key");
    String byName = indexName(t, "name_idx");
    String byTime = indexName(t, "time_idx");
    String byAggregateId = indexName(t, "aggregate_id_idx");
    var indexes = new LinkedHashMap<String, String>();
    indexes.put(indexName(t, "pkey"), null);
    indexes.put(indexName(t, "id_key"), null);
    indexes.put(versionKey, null);
    indexes.put(byName, "CREATE INDEX IF NOT EXISTS " + byName + " ON " + q + " (name, position)");
    indexes.put(byTime, "CREATE INDEX IF NOT EXISTS " + byTime + " ON " + q + " (time_ns)");
    indexes.put(byAggregateId, "CREATE INDEX IF NOT EXISTS " + byAggregateId + " ON " + q + " (aggregate_id)");
    List<String> v1 = new ArrayList<>();
    v1.add("CREATE TABLE IF NOT EXISTS " + q + " (\n"
        + "  position          bigint GENERATED ALWAYS AS IDENTITY (CACHE 1),\n"
        + EVENT_COLUMNS_DDL
        + "  CONSTRAINT " + indexName(t, "pkey") + " PRIMARY KEY (position),\n"
        + "  CONSTRAINT " + indexName(t, "id_key") + " UNIQUE (id),\n"
        + "  CONSTRAINT " + versionKey + " UNIQUE (aggregate_name, aggregate_id, aggregate_version),\n"
        + "  CONSTRAINT " + indexName(t, "aggregate_check") + " CHECK ((aggregate_name IS NULL) = (aggregate_id IS NULL)"
        + " AND (aggregate_id IS NULL) = (aggregate_version IS NULL))\n"
        + ")");
    for (String ddl : indexes.values()) {
      if (ddl != null) {
        v1.add(ddl);
      }
    }
    var columns = eventColumns();
    // Version 2 drops two derived columns that tables made by version 1 had: tx_id (the writer's
    // transaction id, which position / 2^20 already is, ADR 0005) and time_utc (a stored copy of
    // time_ns as timestamptz). Each cost every insert work and 8 bytes for nothing Fabula reads
    // (pgbench: 2-5% of an insert's server time). Version 1 above no longer creates them, so on a
    // new table version 2 changes nothing.
    List<String> v2 = List.of(
        "ALTER TABLE " + q + " DROP COLUMN IF EXISTS tx_id, DROP COLUMN IF EXISTS time_utc");
    return new Table("events", o.schema(), t, List.of(v1, v2), columns, indexes);
  }

  /** The columns an event has after its position, in the events table and the bus table alike. */
  private static final String EVENT_COLUMNS_DDL =
      "  id                uuid    NOT NULL,\n"
          + "  name              text    NOT NULL,\n"
          + "  time_ns           bigint  NOT NULL,\n"
          + "  aggregate_name    text,\n"
          + "  aggregate_id      uuid,\n"
          + "  aggregate_version integer,\n"
          + "  revision          integer NOT NULL,\n"
          + "  data              jsonb   NOT NULL,\n"
          + "  metadata          jsonb   NOT NULL DEFAULT '{}',\n";

  /** The types of an event's columns, position first, as the schema check expects them. */
  private static LinkedHashMap<String, String> eventColumns() {
    var columns = new LinkedHashMap<String, String>();
    columns.put("position", "bigint");
    columns.put("id", "uuid");
    columns.put("name", "text");
    columns.put("time_ns", "bigint");
    columns.put("aggregate_name", "text");
    columns.put("aggregate_id", "uuid");
    columns.put("aggregate_version", "integer");
    columns.put("revision", "integer");
    columns.put("data", "jsonb");
    columns.put("metadata", "jsonb");
    return columns;
  }

  /** The bus table of the options' events table (see {@link #busTableName}). */
  static Table bus(PostgresOptions o) {
    String t = busTableName(o);
    String q = o.schema() + "." + t;
    var indexes = new LinkedHashMap<String, String>();
    indexes.put(indexName(t, "pkey"), null);
    String byTime = indexName(t, "published_idx");
    indexes.put(byTime, "CREATE INDEX IF NOT EXISTS " + byTime + " ON " + q + " (published_at)");
    List<String> v1 = new ArrayList<>();
    // The events table's columns plus the event's position in the store (0 when it is not
    // stored) and when it was published (for pruning). The position is the gap-safe bus position
    // of ADR 0005, not the store's.
    v1.add("CREATE TABLE IF NOT EXISTS " + q + " (\n"
        + "  position          bigint  NOT NULL,\n"
        + EVENT_COLUMNS_DDL
        + "  store_position    bigint      NOT NULL DEFAULT 0,\n"
        + "  published_at      timestamptz NOT NULL DEFAULT now(),\n"
        + "  CONSTRAINT " + indexName(t, "pkey") + " PRIMARY KEY (position)\n"
        + ")");
    v1.add(indexes.get(byTime));
    var columns = eventColumns();
    columns.put("store_position", "bigint");
    columns.put("published_at", "timestamp with time zone");
    return new Table("bus", o.schema(), t, List.of(v1), columns, indexes);
  }

  /**
   * The claims of queue groups on the bus table's events: a (group, bus position) pair is taken
   * once, by the bus whose member then gets the event.
   */
  static Table busClaims(PostgresOptions o) {
    String t = indexName(busTableName(o), "claims");
    String q = o.schema() + "." + t;
    var indexes = new LinkedHashMap<String, String>();
    indexes.put(indexName(t, "pkey"), null);
    String v1 = "CREATE TABLE IF NOT EXISTS " + q + " (\n"
        + "  grp        text        NOT NULL,\n"
        + "  position   bigint      NOT NULL,\n"
        + "  claimed_at timestamptz NOT NULL DEFAULT now(),\n"
        + "  CONSTRAINT " + indexName(t, "pkey") + " PRIMARY KEY (grp, position)\n"
        + ")";
    var columns = new LinkedHashMap<String, String>();
    columns.put("grp", "text");
    columns.put("position", "bigint");
    columns.put("claimed_at", "timestamp with time zone");
    // Version 2: the pruning deletes claims by age.
    String byTime = indexName(t, "claimed_idx");
    indexes.put(byTime, "CREATE INDEX IF NOT EXISTS " + byTime + " ON " + q + " (claimed_at)");
    return new Table("bus claims", o.schema(), t, List.of(List.of(v1), List.of(indexes.get(byTime))), columns, indexes);
  }

  /** The positions of the bus's durable subscriptions, by durable name. */
  static Table busDurables(PostgresOptions o) {
    String t = indexName(busTableName(o), "durables");
    String q = o.schema() + "." + t;
    var indexes = new LinkedHashMap<String, String>();
    indexes.put(indexName(t, "pkey"), null);
    String v1 = "CREATE TABLE IF NOT EXISTS " + q + " (\n"
        + "  name     text   NOT NULL,\n"
        + "  position bigint NOT NULL,\n"
        + "  CONSTRAINT " + indexName(t, "pkey") + " PRIMARY KEY (name)\n"
        + ")";
    var columns = new LinkedHashMap<String, String>();
    columns.put("name", "text");
    columns.put("position", "bigint");
    return new Table("bus durables", o.schema(), t, List.of(List.of(v1)), columns, indexes);
  }

  /** The bus table's name: the events table's with {@code _bus} appended (within 63 characters). */
  static String busTableName(PostgresOptions o) {
    return indexName(o.eventsTable(), "bus");
  }

  static Table snapshots(PostgresOptions o) {
    String t = o.snapshotsTable();
    String q = o.schema() + "." + t;
    var indexes = new LinkedHashMap<String, String>();
    indexes.put(indexName(t, "pkey"), null);
    String v1 = "CREATE TABLE IF NOT EXISTS " + q + " (\n"
        + "  aggregate_name text    NOT NULL,\n"
        + "  aggregate_id   uuid    NOT NULL,\n"
        + "  version        integer NOT NULL,\n"
        + "  time_ns        bigint  NOT NULL,\n"
        + "  revision       integer NOT NULL,\n"
        + "  state          jsonb   NOT NULL,\n"
        + "  CONSTRAINT " + indexName(t, "pkey") + " PRIMARY KEY (aggregate_name, aggregate_id, version)\n"
        + ")";
    var columns = new LinkedHashMap<String, String>();
    columns.put("aggregate_name", "text");
    columns.put("aggregate_id", "uuid");
    columns.put("version", "integer");
    columns.put("time_ns", "bigint");
    columns.put("revision", "integer");
    columns.put("state", "jsonb");
    return new Table("snapshots", o.schema(), t, List.of(List.of(v1)), columns, indexes);
  }

  static Table progress(PostgresOptions o) {
    String t = o.progressTable();
    String q = o.schema() + "." + t;
    var indexes = new LinkedHashMap<String, String>();
    indexes.put(indexName(t, "pkey"), null);
    String v1 = "CREATE TABLE IF NOT EXISTS " + q + " (\n"
        + "  projection text   NOT NULL,\n"
        + "  position   bigint NOT NULL,\n"
        + "  CONSTRAINT " + indexName(t, "pkey") + " PRIMARY KEY (projection)\n"
        + ")";
    var columns = new LinkedHashMap<String, String>();
    columns.put("projection", "text");
    columns.put("position", "bigint");
    return new Table("progress", o.schema(), t, List.of(List.of(v1)), columns, indexes);
  }

  /**
   * The read models of every kind: one row per (kind, id), the model as JSONB at the codec's
   * revision {@code data_revision}, and the repository's optimistic {@code revision}.
   */
  static Table readModels(PostgresOptions o) {
    String t = o.readModelsTable();
    String q = o.schema() + "." + t;
    var indexes = new LinkedHashMap<String, String>();
    indexes.put(indexName(t, "pkey"), null);
    String v1 = "CREATE TABLE IF NOT EXISTS " + q + " (\n"
        + "  kind          text    NOT NULL,\n"
        + "  id            text    NOT NULL,\n"
        + "  revision      bigint  NOT NULL,\n"
        + "  data_revision integer NOT NULL,\n"
        + "  data          jsonb   NOT NULL,\n"
        + "  CONSTRAINT " + indexName(t, "pkey") + " PRIMARY KEY (kind, id)\n"
        + ")";
    var columns = new LinkedHashMap<String, String>();
    columns.put("kind", "text");
    columns.put("id", "text");
    columns.put("revision", "bigint");
    columns.put("data_revision", "integer");
    columns.put("data", "jsonb");
    return new Table("read models", o.schema(), t, List.of(List.of(v1)), columns, indexes);
  }

  /** Creates or checks {@code table} according to the options' policy. */
  static void ensure(DataSource ds, PostgresOptions options, Table table) {
    String server = Pg.server(ds);
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (options.schemaPolicy() == PostgresOptions.SchemaPolicy.CREATE) {
          create(c, table);
        } else {
          validate(c, table, false);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        Pg.rollbackQuietly(c);
        throw e;
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "preparing table " + table.qualified(), server);
    }
  }

  private static void create(Connection c, Table table) throws SQLException {
    try (Statement s = c.createStatement()) {
      // One creator at a time per database; others wait and then find everything in place.
      s.execute("SELECT pg_advisory_xact_lock(hashtext('fabula.schema'))");
      if (!exists(c, "SELECT 1 FROM pg_namespace WHERE nspname = ?", table.schema())) {
        s.execute("CREATE SCHEMA IF NOT EXISTS " + table.schema());
      }
      s.execute("CREATE TABLE IF NOT EXISTS " + table.schema() + "." + MIGRATIONS_TABLE + " ("
          + "table_name text NOT NULL, version integer NOT NULL, kind text NOT NULL,"
          + " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (table_name, version))");
    }
    int applied = 0;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT coalesce(max(version), 0) FROM " + table.schema() + "." + MIGRATIONS_TABLE + " WHERE table_name = ?")) {
      ps.setString(1, table.name());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        applied = rs.getInt(1);
      }
    }
    if (applied == 0 && tableExists(c, table)) {
      // Adopting a table made elsewhere: it must have the right shape before indexes go on it.
      validateColumns(c, table);
    }
    for (int v = applied + 1; v <= table.migrations().size(); v++) {
      try (Statement s = c.createStatement()) {
        for (String sql : table.migrations().get(v - 1)) {
          s.execute(sql);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO " + table.schema() + "." + MIGRATIONS_TABLE + " (table_name, version, kind) VALUES (?, ?, ?)")) {
        ps.setString(1, table.name());
        ps.setInt(2, v);
        ps.setString(3, table.kind());
        ps.executeUpdate();
      }
    }
    validate(c, table, true);
  }

  private static boolean tableExists(Connection c, Table table) throws SQLException {
    return exists(c, "SELECT 1 WHERE to_regclass(?) IS NOT NULL", table.qualified());
  }

  private static boolean exists(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Checks the table's columns and indexes; creates missing indexes when allowed. */
  static void validate(Connection c, Table table, boolean createIndexes) throws SQLException {
    if (!tableExists(c, table)) {
      throw new PostgresSchemaException(
          "Table " + table.qualified() + " does not exist and the schema policy is VALIDATE:"
              + " create it with the DDL below, or use SchemaPolicy.CREATE",
          table.ddl());
    }
    validateColumns(c, table);
    Set<String> present = new HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT ci.relname FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid"
            + " WHERE i.indrelid = to_regclass(?)")) {
      ps.setString(1, table.qualified());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          present.add(rs.getString(1));
        }
      }
    }
    List<String> missing = new ArrayList<>();
    for (var e : table.indexes().entrySet()) {
      if (present.contains(e.getKey())) {
        continue;
      }
      if (createIndexes && e.getValue() != null) {
        try (Statement s = c.createStatement()) {
          s.execute(e.getValue());
        }
      } else {
        missing.add(e.getKey());
      }
    }
    if (!missing.isEmpty()) {
      throw new PostgresSchemaException(
          "Table " + table.qualified() + " lacks the required indexes or constraints " + missing
              + (createIndexes ? " (constraints are not added to an existing table)" : " and the schema policy is VALIDATE"),
          table.ddl());
    }
  }

  private static void validateColumns(Connection c, Table table) throws SQLException {
    Map<String, String> actual = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped")) {
      ps.setString(1, table.qualified());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          actual.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    List<String> problems = new ArrayList<>();
    for (var e : table.columns().entrySet()) {
      String type = actual.get(e.getKey());
      if (type == null) {
        problems.add("column " + e.getKey() + " is missing");
      } else if (!type.equals(e.getValue())) {
        problems.add("column " + e.getKey() + " is " + type + ", expected " + e.getValue());
      }
    }
    if (!problems.isEmpty()) {
      throw new PostgresSchemaException(
          "Table " + table.qualified() + " exists but does not have the shape Fabula needs: "
              + String.join("; ", problems) + ". Rename or drop it, or choose another table name",
          table.ddl());
    }
  }

}
