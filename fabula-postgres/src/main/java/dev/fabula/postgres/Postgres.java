package dev.fabula.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.projection.ProgressStore;
import dev.fabula.projection.Projection;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.StoredReadModels;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Entry point of the PostgreSQL backend: stores on a {@link DataSource}, and a pooled data source
 * from a JDBC URL.
 *
 * <pre>{@code
 * try (HikariDataSource ds = Postgres.dataSource(Postgres.urlFromEnvironment());
 *     EventStore store = Postgres.eventStore(ds, JacksonCodec.create(registry))) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Stores create their tables on first use (or check them, see {@link PostgresOptions}). They do
 * not close a data source they were given. Payloads are stored as JSONB, so the codec must write
 * JSON ({@code fabula-jackson}'s {@code JacksonCodec} does).
 */
public final class Postgres {
  /** The environment variable holding the JDBC URL, read by {@link #urlFromEnvironment()}. */
  public static final String URL_VARIABLE = "FABULA_POSTGRES_URL";

  /** The local server as user {@code postgres}: the URL used when the variable is not set. */
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

  /** How long opening a connection may take by default. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private Postgres() {}

  /** {@code FABULA_POSTGRES_URL} when set and not blank, else {@link #DEFAULT_URL}. */
  public static String urlFromEnvironment() {
    String url = System.getenv(URL_VARIABLE);
    return url == null || url.isBlank() ? DEFAULT_URL : url;
  }

  /** A pool for {@code url} with {@link #DEFAULT_CONNECT_TIMEOUT}; see {@link #dataSource(String, Duration)}. */
  public static HikariDataSource dataSource(String url) {
    return dataSource(url, DEFAULT_CONNECT_TIMEOUT);
  }

  /**
   * A HikariCP pool for {@code url}: at most 10 connections, opening one may take {@code
   * connectTimeout} (TCP connect and login each), and the pool checks at once that the server
   * answers. Close it when done.
   *
   * <p>Messages name the server as {@code host:port} and never show a password; they say what went
   * wrong: the database does not exist, nothing listens on the port (connection refused), the host
   * is unknown, the login was refused (authentication failed), or the server did not answer within
   * {@code connectTimeout}.
   *
   * @throws PostgresConnectionException when the server cannot be reached or refuses the login or
   *     the database; the message says which
   * @throws IllegalArgumentException when the URL is not a PostgreSQL JDBC URL, has a port that is
   *     not a number from 1 to 65535, or carries credentials before the host ({@code
   *     user:password@host}, which the driver does not read: use the {@code user} and {@code
   *     password} parameters); the message shows the URL with its password masked
   */
  public static HikariDataSource dataSource(String url, Duration connectTimeout) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Pg.checkUrl(url);
    long millis = Math.max(connectTimeout.toMillis(), 250);
    int seconds = (int) Math.max(1, (millis + 999) / 1000);
    var config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("fabula-postgres");
    config.setMaximumPoolSize(10);
    config.setMinimumIdle(2);
    config.setConnectionTimeout(millis);
    config.setValidationTimeout(Math.min(millis, 5000));
    config.setInitializationFailTimeout(1);
    // Strings: pgjdbc reads driver properties with Properties.getProperty, which ignores others.
    config.addDataSourceProperty("connectTimeout", Integer.toString(seconds));
    config.addDataSourceProperty("loginTimeout", Integer.toString(seconds));
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("ApplicationName", "fabula");
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new PostgresConnectionException(Pg.serverOf(url), Pg.whyNoConnection(cause, millis), cause);
    }
  }

  /** An event store with {@link PostgresOptions#defaults()}. */
  public static EventStore eventStore(DataSource dataSource, Codec codec) {
    return eventStore(dataSource, codec, PostgresOptions.defaults());
  }

  /**
   * An event store in the options' events table, created or checked now.
   *
   * <p>Positions are ordered and gap-safe but sparse: an event's position is its inserting
   * transaction's id times 2^20 plus its index in the batch (ADR 0005), so one insert holds at
   * most 1,048,576 events.
   *
   * <p>Concurrent inserts share transactions (group commit, ADR 0009): at most two are written at
   * once, and batches of distinct aggregates that arrive meanwhile are written together, in one
   * INSERT and one commit. Each insert stays atomic on its own and fails only for its own
   * reasons; should the server refuse a group for any reason but a broken connection, its batches
   * are written again one by one. A group is written on a thread no caller owns, so one caller's
   * interrupt never breaks the others' write. Rows take their versions in (aggregate name, id,
   * version) order, so concurrent inserts cannot deadlock each other; a deadlock with another
   * writer is a {@link dev.fabula.event.ConcurrencyException}.
   *
   * <p>If the connection breaks during an insert, the store settles on fresh connections whether
   * the batch was stored (stopping the old backend if it still runs the statement): it returns
   * normally if it was, throws {@link PostgresConnectionException} if it was not, and throws
   * {@link dev.fabula.event.OutcomeUnknownException} only if it cannot tell within {@link
   * PostgresOptions#outcomeTimeout()} (ADR 0013).
   *
   * @throws PostgresSchemaException when the table has the wrong shape, or is missing and may not
   *     be created
   * @throws PostgresConnectionException when the server cannot be reached
   */
  public static EventStore eventStore(DataSource dataSource, Codec codec, PostgresOptions options) {
    return new PgEventStore(
        Objects.requireNonNull(dataSource, "dataSource"),
        Objects.requireNonNull(codec, "codec"),
        Objects.requireNonNull(options, "options"),
        () -> {});
  }

  /**
   * The oldest write transaction open on the server (of every database: positions come from
   * transaction ids, which the whole server shares), or empty when none is open: what holds a
   * store's safe horizon back, since a catch-up reader sees no later transaction's events until
   * it ends. Read from {@code pg_stat_activity} (sessions with a transaction id, oldest {@code
   * xact_start} first); a login that may not see other users' sessions in full (neither superuser
   * nor {@code pg_read_all_stats}) sees only its own.
   *
   * @throws PostgresConnectionException when the server cannot be reached
   * @throws PostgresException when the server refuses the query
   */
  public static Optional<HorizonHolder> horizonHolder(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    String sql = "SELECT pid, backend_xid::text::bigint AS xid,"
        + " (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::bigint AS open_ms,"
        + " coalesce(state, '') AS state, coalesce(application_name, '') AS app"
        + " FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        + " ORDER BY xact_start LIMIT ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, 1);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new HorizonHolder(
            rs.getInt("pid"), rs.getLong("xid"), Duration.ofMillis(Math.max(0, rs.getLong("open_ms"))),
            rs.getString("state"), rs.getString("app")));
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "finding the oldest open write transaction", Pg.server(dataSource));
    }
  }

  /** An event bus with {@link PostgresOptions#defaults()}. */
  public static EventBus eventBus(DataSource dataSource, Codec codec) {
    return eventBus(dataSource, codec, PostgresOptions.defaults());
  }

  /**
   * An event bus for deployments that have only PostgreSQL, in a bus table beside the options'
   * events table (its name with {@code _bus} appended, and two small tables for queue group
   * claims and durable positions), created or checked now (docs/adr/0017).
   *
   * <p>{@code publish} appends the events to the bus table, committed before it returns, with a
   * NOTIFY as the wake-up signal; every bus on the table (in any process) reads them back by
   * gap-safe position (ADR 0005), so a subscription gets every event published after it
   * subscribed, in order, once, even when its bus briefly lost its connection or a notification:
   * a bus polls the table at least once a second. Events need not be stored in the event store
   * first (the command bus's protocol events are not); stored ones keep their store position.
   * The codec must know the names this bus publishes, and those its subscriptions ask for.
   *
   * <p>{@link dev.fabula.event.OverflowPolicy#BLOCK} holds publishers of this bus object while
   * one of its subscriptions is full; publishers elsewhere are not held, their events wait in the
   * table. A queue group's members share the events across every bus on the table: each bus
   * claims an event for the group in a claims table before one of its members gets it, so each
   * event goes to one member (at most once: a process that dies after claiming loses it for the
   * group). A durable subscription keeps its position by name in a table and resumes after it on
   * any bus; each event is acknowledged after the handler returned and delivered again when it
   * threw, up to the delivery limit (at least once; a durable subscription in a queue group is
   * refused with {@link dev.fabula.event.UnsupportedSubscriptionException}). The bus holds one
   * pooled connection for LISTEN while open; it does not close the data source. Rows older than a
   * day are deleted.
   *
   * @throws PostgresSchemaException when the bus table has the wrong shape, or is missing and may
   *     not be created
   * @throws PostgresConnectionException when the server cannot be reached
   */
  public static EventBus eventBus(DataSource dataSource, Codec codec, PostgresOptions options) {
    return new PgEventBus(
        Objects.requireNonNull(dataSource, "dataSource"),
        Objects.requireNonNull(codec, "codec"),
        Objects.requireNonNull(options, "options"),
        PgEventBus.DEFAULT_POLL);
  }

  /** A snapshot store with {@link PostgresOptions#defaults()}. */
  public static SnapshotStore snapshotStore(DataSource dataSource, Codec codec) {
    return snapshotStore(dataSource, codec, PostgresOptions.defaults());
  }

  /**
   * A snapshot store in the options' snapshots table, created or checked now. States are encoded
   * under the registry's snapshot names ({@code CodecRegistry.snapshotName}).
   *
   * @throws PostgresSchemaException when the table has the wrong shape, or is missing and may not
   *     be created
   */
  public static SnapshotStore snapshotStore(DataSource dataSource, Codec codec, PostgresOptions options) {
    return new PgSnapshotStore(
        Objects.requireNonNull(dataSource, "dataSource"),
        Objects.requireNonNull(codec, "codec"),
        Objects.requireNonNull(options, "options"),
        () -> {});
  }

  /** A progress store with {@link PostgresOptions#defaults()}. */
  public static ProgressStore progressStore(DataSource dataSource) {
    return progressStore(dataSource, PostgresOptions.defaults());
  }

  /**
   * A progress store in the options' progress table, created or checked now.
   *
   * @throws PostgresSchemaException when the table has the wrong shape, or is missing and may not
   *     be created
   */
  public static ProgressStore progressStore(DataSource dataSource, PostgresOptions options) {
    return new PgProgressStore(
        Objects.requireNonNull(dataSource, "dataSource"), Objects.requireNonNull(options, "options"), () -> {});
  }

  /**
   * A projection that keeps {@code readModel}'s tables and its position (in the options' progress
   * table) in one transaction per event, so they can never disagree: see {@link SqlProjection}.
   * Create one per read model and reuse it with schedules; it is {@link
   * dev.fabula.projection.ProgressAware}, {@link dev.fabula.projection.Resettable} and {@link
   * dev.fabula.projection.Reapplicable} (its dead letters can be retried).
   *
   * @throws PostgresSchemaException when the progress table has the wrong shape, or is missing and
   *     may not be created
   */
  public static Projection exactlyOnce(DataSource dataSource, SqlProjection readModel, PostgresOptions options) {
    Objects.requireNonNull(readModel, "readModel");
    var progress = new PgProgressStore(
        Objects.requireNonNull(dataSource, "dataSource"), Objects.requireNonNull(options, "options"), () -> {});
    return new TxProjection(dataSource, readModel, progress);
  }

  /**
   * A read-model repository with {@link PostgresOptions#defaults()}; see {@link
   * #readModels(DataSource, Codec, ReadModelOptions, PostgresOptions)}.
   */
  public static <K, M> ReadModelRepository<K, M> readModels(
      DataSource dataSource, Codec codec, ReadModelOptions<K, M> readModels) {
    return readModels(dataSource, codec, readModels, PostgresOptions.defaults());
  }

  /**
   * A read-model repository keeping {@code readModels}' models in the options' read models table
   * (created or checked now), which holds every kind: one row per model, keyed by {@link
   * ReadModelOptions#name()} and {@code id.toString()}, the model as JSONB encoded by {@code codec}.
   * {@code use} is safe across processes: each write is one statement, conditional on the row's
   * revision.
   *
   * @throws dev.fabula.codec.UnknownNameException when the codec does not know the name
   * @throws IllegalArgumentException when the codec registers the name with another type than
   *     {@link ReadModelOptions#type()}
   * @throws PostgresSchemaException when the table has the wrong shape, or is missing and may not
   *     be created
   */
  public static <K, M> ReadModelRepository<K, M> readModels(
      DataSource dataSource, Codec codec, ReadModelOptions<K, M> readModels, PostgresOptions options) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(readModels, "readModels");
    Objects.requireNonNull(options, "options");
    return StoredReadModels.repository(readModels, new PgReadModelStorage<>(dataSource, codec, readModels, options));
  }
}
