package dev.fabula.postgres;

import dev.fabula.spi.Settings;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where and how the PostgreSQL stores keep their tables: schema, table names, whether missing
 * tables and indexes may be created, and how many rows a streaming query fetches per round trip.
 * Immutable; build with {@link #builder()} or take {@link #defaults()}.
 *
 * <p>Schema and table names are concatenated into SQL (they cannot be parameters), so they must
 * match {@code [a-z_][a-z0-9_]{0,62}}; anything else is rejected when the options are built, which
 * keeps SQL out of identifiers.
 */
public final class PostgresOptions {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final PostgresOptions DEFAULTS = builder().build();

  /** What a store does when its tables or indexes are missing. */
  public enum SchemaPolicy {
    /**
     * Create the schema, tables and indexes that are missing and apply pending migrations (the
     * default). Existing tables are still checked; a wrong shape is an error.
     */
    CREATE,
    /**
     * Create nothing: check that the tables and indexes exist with the expected shape and fail with
     * a {@link PostgresSchemaException} printing the DDL to run otherwise.
     */
    VALIDATE
  }

  private final String schema;
  private final String eventsTable;
  private final String snapshotsTable;
  private final String progressTable;
  private final String readModelsTable;
  private final SchemaPolicy schemaPolicy;
  private final int fetchSize;
  private final Duration outcomeTimeout;
  private final boolean timelineIndex;

  private PostgresOptions(Builder b) {
    schema = b.schema;
    eventsTable = b.eventsTable;
    snapshotsTable = b.snapshotsTable;
    progressTable = b.progressTable;
    readModelsTable = b.readModelsTable;
    schemaPolicy = b.schemaPolicy;
    fetchSize = b.fetchSize;
    outcomeTimeout = b.outcomeTimeout;
    timelineIndex = b.timelineIndex;
  }

  /**
   * Schema {@code public}, tables {@code fabula_events}, {@code fabula_snapshots}, {@code
   * fabula_progress}, {@code fabula_read_models}, policy CREATE, fetch size 1000, outcome timeout
   * 10 seconds, timeline index on.
   */
  public static PostgresOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder pre-filled with these options. */
  public Builder toBuilder() {
    var b = new Builder();
    b.schema = schema;
    b.eventsTable = eventsTable;
    b.snapshotsTable = snapshotsTable;
    b.progressTable = progressTable;
    b.readModelsTable = readModelsTable;
    b.schemaPolicy = schemaPolicy;
    b.fetchSize = fetchSize;
    b.outcomeTimeout = outcomeTimeout;
    b.timelineIndex = timelineIndex;
    return b;
  }

  /** The schema holding the tables. */
  public String schema() {
    return schema;
  }

  /** The events table's name (without schema). */
  public String eventsTable() {
    return eventsTable;
  }

  /** The snapshots table's name (without schema). */
  public String snapshotsTable() {
    return snapshotsTable;
  }

  /** The projection progress table's name (without schema). */
  public String progressTable() {
    return progressTable;
  }

  /** The read models table's name (without schema): one table for every kind of read model. */
  public String readModelsTable() {
    return readModelsTable;
  }

  /** Whether missing tables and indexes are created. */
  public SchemaPolicy schemaPolicy() {
    return schemaPolicy;
  }

  /** Rows fetched per round trip by streaming queries. */
  public int fetchSize() {
    return fetchSize;
  }

  /**
   * How long an insert whose connection broke tries to learn whether its batch was stored before
   * it gives up with {@link dev.fabula.event.OutcomeUnknownException} (10 seconds by default; the
   * pool's connection timeout may come on top).
   */
  public Duration outcomeTimeout() {
    return outcomeTimeout;
  }

  /**
   * Whether the event store makes and uses the timeline index (on by default; {@code
   * docs/adr/0026-timeline-time-index.md}): the first query for a page of events in position
   * order bounded by time (the console's timeline with {@code from}/{@code to}) starts building a
   * GiST index on {@code (time_ns, position)} in the background ({@code CREATE EXTENSION IF NOT
   * EXISTS btree_gist}, then {@code CREATE INDEX CONCURRENTLY}, neither blocking inserts nor
   * reads), and such queries use it once it is valid. Where the extension may not be created, or
   * with {@link SchemaPolicy#VALIDATE} and no such index, the store logs that once and keeps the
   * plain query. The results are the same either way; off, nothing is created.
   */
  public boolean timelineIndex() {
    return timelineIndex;
  }

  @Override
  public String toString() {
    return "PostgresOptions[schema=" + schema + ", events=" + eventsTable + ", snapshots="
        + snapshotsTable + ", progress=" + progressTable + ", readModels=" + readModelsTable + ", policy=" + schemaPolicy
        + ", fetchSize=" + fetchSize + ", outcomeTimeout=" + outcomeTimeout + ", timelineIndex=" + timelineIndex + "]";
  }

  /** Checks a schema or table name; returns it. */
  static String identifier(String what, @Nullable String name) {
    Objects.requireNonNull(name, what);
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " must match [a-z_][a-z0-9_]{0,62} (lower case letters, digits, underscores),"
              + " got \"" + name + "\"");
    }
    return name;
  }

  /**
   * Builds {@link PostgresOptions}; names are validated as they are set. Each setting may be made
   * once (starting from the defaults or from {@link PostgresOptions#toBuilder()}, whose values
   * count as unset): a second call, or a table name another table already has, fails with an
   * {@link IllegalStateException} naming both settings.
   */
  public static final class Builder {
    private static final List<String> TABLES = List.of("eventsTable", "snapshotsTable", "progressTable", "readModelsTable");
    private final Set<String> made = new HashSet<>();
    private String schema = "public";
    private String eventsTable = "fabula_events";
    private String snapshotsTable = "fabula_snapshots";
    private String progressTable = "fabula_progress";
    private String readModelsTable = "fabula_read_models";
    private SchemaPolicy schemaPolicy = SchemaPolicy.CREATE;
    private int fetchSize = 1000;
    private Duration outcomeTimeout = Duration.ofSeconds(10);
    private boolean timelineIndex = true;

    private Builder() {}

    /**
     * The schema holding the tables.
     *
     * @throws IllegalArgumentException when the name is not a plain lower-case identifier
     * @throws IllegalStateException when already set
     */
    public Builder schema(String name) {
      identifier("schema name", name);
      once("schema", schema, name);
      schema = name;
      return this;
    }

    /**
     * The events table.
     *
     * @throws IllegalArgumentException when the name is not a plain lower-case identifier
     * @throws IllegalStateException when already set, or when another table set has this name
     */
    public Builder eventsTable(String name) {
      identifier("events table name", name);
      table("eventsTable", eventsTable, name);
      eventsTable = name;
      return this;
    }

    /**
     * The snapshots table.
     *
     * @throws IllegalArgumentException when the name is not a plain lower-case identifier
     * @throws IllegalStateException when already set, or when another table set has this name
     */
    public Builder snapshotsTable(String name) {
      identifier("snapshots table name", name);
      table("snapshotsTable", snapshotsTable, name);
      snapshotsTable = name;
      return this;
    }

    /**
     * The projection progress table.
     *
     * @throws IllegalArgumentException when the name is not a plain lower-case identifier
     * @throws IllegalStateException when already set, or when another table set has this name
     */
    public Builder progressTable(String name) {
      identifier("progress table name", name);
      table("progressTable", progressTable, name);
      progressTable = name;
      return this;
    }

    /**
     * The read models table, which holds every kind of read model (keyed by kind and id).
     *
     * @throws IllegalArgumentException when the name is not a plain lower-case identifier
     * @throws IllegalStateException when already set, or when another table set has this name
     */
    public Builder readModelsTable(String name) {
      identifier("read models table name", name);
      table("readModelsTable", readModelsTable, name);
      readModelsTable = name;
      return this;
    }

    /**
     * Whether missing tables and indexes are created ({@link SchemaPolicy#CREATE}) or only checked.
     *
     * @throws IllegalStateException when already set
     */
    public Builder schemaPolicy(SchemaPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      once("schemaPolicy", schemaPolicy, policy);
      schemaPolicy = policy;
      return this;
    }

    /**
     * Rows fetched per round trip by streaming queries.
     *
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set
     */
    public Builder fetchSize(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("fetch size must be positive, got " + rows);
      }
      once("fetchSize", fetchSize, rows);
      fetchSize = rows;
      return this;
    }

    /**
     * How long an insert whose connection broke tries to learn whether its batch was stored.
     *
     * @throws IllegalArgumentException when negative
     * @throws IllegalStateException when already set
     */
    public Builder outcomeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("outcome timeout must not be negative, got " + timeout);
      }
      once("outcomeTimeout", outcomeTimeout, timeout);
      outcomeTimeout = timeout;
      return this;
    }

    /**
     * Whether the event store makes the timeline index on first use and uses it ({@link
     * PostgresOptions#timelineIndex()}; on by default).
     *
     * @throws IllegalStateException when already set
     */
    public Builder timelineIndex(boolean enabled) {
      once("timelineIndex", timelineIndex, enabled);
      timelineIndex = enabled;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalStateException when two tables have the same name (one set, the other its
     *     default)
     */
    public PostgresOptions build() {
      Settings.requireDistinctNames(TABLES, made, this::tableName, "tables");
      return new PostgresOptions(this);
    }

    /** Refuses a second call of {@code setting}. */
    private void once(String setting, Object earlier, Object attempt) {
      Settings.requireUnset(made.contains(setting), setting, earlier, attempt);
      made.add(setting);
    }

    /**
     * Refuses a second call of the table {@code setting}, or a {@code name} another table set on
     * this builder has (naming the setting being made first, then the other), before anything is
     * taken: a refused call leaves the builder as it was. A table left at its default is compared at
     * {@link #build()} only, since it may still be set.
     */
    private void table(String setting, String earlier, String name) {
      Settings.requireUnset(made.contains(setting), setting, earlier, name);
      Settings.requireUnsharedName(setting, name, TABLES, made, this::tableName, "tables");
      made.add(setting);
    }

    private String tableName(String setting) {
      return switch (setting) {
        case "eventsTable" -> eventsTable;
        case "snapshotsTable" -> snapshotsTable;
        case "progressTable" -> progressTable;
        case "readModelsTable" -> readModelsTable;
        default -> throw new IllegalArgumentException("no table setting " + setting);
      };
    }
  }
}
