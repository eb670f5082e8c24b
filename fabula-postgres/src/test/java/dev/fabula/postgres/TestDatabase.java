package dev.fabula.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL server tests run against, and a schema of their own per test class.
 *
 * <p>The server is {@code FABULA_POSTGRES_URL} or the local one on 127.0.0.1:5432 (user {@code
 * postgres}, database {@code fabula_test}, created when missing). Where none answers, tests start
 * an embedded PostgreSQL from Maven Central instead, unless {@code FABULA_REQUIRE_BACKENDS=true}
 * (set by CI), which turns a missing server into a failure.
 */
final class TestDatabase implements AutoCloseable {
  private static final String LOCAL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
  private static final String LOCAL_TEST_DB = "jdbc:postgresql://127.0.0.1:5432/fabula_test?user=postgres";
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static String url;
  private static EmbeddedPostgres embedded;

  private final String schema;
  private final HikariDataSource dataSource;

  private TestDatabase(String schema, HikariDataSource dataSource) {
    this.schema = schema;
    this.dataSource = dataSource;
  }

  /** A fresh schema on the test server with a pool of up to {@code poolSize} connections. */
  static TestDatabase create(int poolSize) {
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    HikariDataSource ds = Postgres.dataSource(url());
    ds.getHikariConfigMXBean().setMaximumPoolSize(poolSize);
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      ds.close();
      throw new IllegalStateException(e);
    }
    return new TestDatabase(schema, ds);
  }

  static TestDatabase create() {
    return create(16);
  }

  /** The JDBC URL of the test database, starting an embedded server if no real one answers. */
  static synchronized String url() {
    if (url != null) {
      return url;
    }
    String configured = System.getenv(Postgres.URL_VARIABLE);
    if (configured != null && !configured.isBlank()) {
      requireReachable(configured);
      url = configured;
      return url;
    }
    // FABULA_TEST_EMBEDDED_POSTGRES=true tries the embedded fallback on a machine with a server.
    boolean forceEmbedded = "true".equals(System.getenv("FABULA_TEST_EMBEDDED_POSTGRES"));
    if (!forceEmbedded && reachable(LOCAL)) {
      createTestDatabase(LOCAL);
      url = LOCAL_TEST_DB;
      return url;
    }
    if (!forceEmbedded && "true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
      throw new IllegalStateException(
          "FABULA_REQUIRE_BACKENDS=true but no PostgreSQL answers at 127.0.0.1:5432 (and "
              + Postgres.URL_VARIABLE + " is not set): start it (.ci/run does) or unset the variable"
              + " to use an embedded server");
    }
    try {
      embedded = EmbeddedPostgres.builder().start();
    } catch (IOException e) {
      throw new UncheckedIOException("no PostgreSQL server answers and the embedded one did not start", e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        embedded.close();
      } catch (IOException ignored) {
        // exiting anyway
      }
    }));
    url = embedded.getJdbcUrl("postgres", "postgres");
    return url;
  }

  private static boolean reachable(String jdbcUrl) {
    try (Connection c = connect(jdbcUrl)) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private static void requireReachable(String jdbcUrl) {
    try (Connection c = connect(jdbcUrl)) {
      c.isValid(2);
    } catch (SQLException e) {
      throw new IllegalStateException(Postgres.URL_VARIABLE + " is set but the server does not answer: " + e.getMessage(), e);
    }
  }

  private static Connection connect(String jdbcUrl) throws SQLException {
    var p = new Properties();
    p.setProperty("connectTimeout", "2");
    p.setProperty("loginTimeout", "2");
    return DriverManager.getConnection(jdbcUrl, p);
  }

  private static void createTestDatabase(String admin) {
    try (Connection c = connect(admin); Statement s = c.createStatement()) {
      var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'fabula_test'");
      if (!rs.next()) {
        s.execute("CREATE DATABASE fabula_test");
      }
    } catch (SQLException e) {
      if (!"42P04".equals(e.getSQLState())) { // created by a parallel run meanwhile
        throw new IllegalStateException("cannot create database fabula_test: " + e.getMessage(), e);
      }
    }
  }

  /** The codec for the kit's types. */
  static Codec codec() {
    return JacksonCodec.create(TckData.registry());
  }

  HikariDataSource dataSource() {
    return dataSource;
  }

  String schema() {
    return schema;
  }

  /** Options in this schema with fresh table names, so each store starts empty. */
  PostgresOptions freshTables() {
    int n = TABLES.incrementAndGet();
    return PostgresOptions.builder()
        .schema(schema)
        .eventsTable("events_" + n)
        .snapshotsTable("snapshots_" + n)
        .progressTable("progress_" + n)
        .readModelsTable("read_models_" + n)
        .build();
  }

  /**
   * The rows of the options' events table, counted in SQL: a store-following query would see only
   * rows older than every transaction open in the cluster (ADR 0005), which other test runs on a
   * shared server may hold open for a moment.
   */
  long rows(PostgresOptions o) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM " + o.schema() + "." + o.eventsTable())) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs SQL on a connection of its own (autocommit). */
  void exec(String sql) {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Drops the schema and closes the pool. */
  @Override
  public void close() {
    try {
      exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } finally {
      dataSource.close();
    }
  }

  /**
   * Waits, boundedly, until reads that follow the store see {@code event}: on PostgreSQL they wait
   * for every older open transaction in the cluster (the gap-safe horizon), another build's too.
   */
  static void awaitVisible(dev.fabula.event.EventStore store, dev.fabula.event.Event<?> event)
      throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
    while (store.lastPosition() < event.position()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("position " + event.position() + " not visible within 90 s");
      }
      Thread.sleep(5); // polling a condition with a bound, not proving an absence
    }
  }
}
