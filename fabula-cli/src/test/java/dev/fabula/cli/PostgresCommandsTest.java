package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.projection.ProgressStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store-URL commands on PostgreSQL ({@code FABULA_POSTGRES_URL}), a fresh schema per place;
 * never skipped when {@code FABULA_REQUIRE_BACKENDS=true}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PostgresCommandsTest extends StoreUrlCommandsTest {
  private static final String URL = Postgres.urlFromEnvironment();
  private static final List<String> SCHEMAS = new ArrayList<>();
  private static HikariDataSource admin;

  @BeforeAll
  static void connect() {
    try {
      admin = Postgres.dataSource(URL);
    } catch (RuntimeException e) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw e;
      }
      Assumptions.abort("no PostgreSQL at " + Postgres.URL_VARIABLE + ": " + e.getMessage());
    }
  }

  @AfterAll
  static void dropSchemas() throws SQLException {
    if (admin == null) {
      return;
    }
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      for (String schema : SCHEMAS) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    } finally {
      admin.close();
    }
  }

  @Override
  String newPlace() {
    String schema = "cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    SCHEMAS.add(schema);
    return schema;
  }

  @Override
  List<String> storeArgs(String place) {
    return List.of("--store", URL, "--schema", place);
  }

  @Override
  EventStore open(String place, Codec codec) {
    return Postgres.eventStore(admin, codec, PostgresOptions.builder().schema(place).build());
  }

  @Override
  String unreachableUrl() {
    return "jdbc:postgresql://127.0.0.1:1/fabula?user=nobody";
  }

  @Test
  void mongoOptionsDoNotApplyToPostgres() {
    Cli.Run run = Cli.run("export", "--store", URL, "--database", "x");
    assertThat(run.code()).isEqualTo(Exit.USAGE);
    assertThat(run.err()).contains("--database does not apply");
  }

  @Test
  void consoleServesTheStoreRawAndNamesWhatHoldsItsHorizonBack() throws Exception {
    String place = newPlace();
    try (EventStore store = open(place, TYPED)) {
      Carts.fill(store);
    }
    var out = new StringWriter();
    var err = new StringWriter();
    var code = new AtomicInteger(-1);
    Thread serving = Thread.ofPlatform().name("fabula-console-test").start(() -> code.set(Fabula.commandLine(
            new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true))
        .execute("console", "--store", URL, "--schema", place, "--port", "0")));
    try {
      URI base = URI.create(await("the console prints its address", () -> {
        assertThat(serving.isAlive()).as("the command still serves: " + err).isTrue();
        String printed = out.toString();
        return printed.startsWith("http://") && printed.endsWith("\n") ? printed.strip() : null;
      }));
      assertThat(base.getHost()).isEqualTo("127.0.0.1");

      JsonNode overview = get(base, "api/overview");
      assertThat(overview.get("eventCount").asLong()).isEqualTo(7);
      JsonNode events = get(base, "api/events").get("events");
      assertThat(events).hasSize(7);
      for (JsonNode e : events) {
        assertThat(e.get("payloadStatus").asText()).as(e.toString()).isEqualTo("raw");
      }
      JsonNode note = events.get(3);
      assertThat(note.get("name").asText()).isEqualTo(Carts.NOTE);
      assertThat(note.at("/payload/text").asText()).isEqualTo("stock \"taken\" \u00e9\n");
      assertThat(events.get(0).at("/payload/owner").asText()).isEqualTo("ann");

      // A write transaction held open on another connection holds the horizon back, until it commits.
      try (Connection held = admin.getConnection(); Statement s = held.createStatement()) {
        s.execute("CREATE TABLE " + place + ".scratch (n int)");
        held.setAutoCommit(false);
        s.execute("INSERT INTO " + place + ".scratch VALUES (1)");
        int pid;
        try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
          rs.next();
          pid = rs.getInt(1);
        }
        // other tests on the server may hold an older write transaction for a moment
        String heldBy = await("the overview names pid " + pid, () -> {
          JsonNode h = get(base, "api/overview").get("safeHorizon");
          return h.get("heldBackBy").asText("").startsWith("pid " + pid + " ") ? h.get("heldBackBy").asText() : null;
        });
        assertThat(heldBy).contains("application 'fabula'", "idle in transaction", "open for ");
        held.commit();
        await("the overview no longer names pid " + pid, () -> {
          JsonNode h = get(base, "api/overview").get("safeHorizon");
          return h.get("heldBackBy").asText("").startsWith("pid " + pid + " ") ? null : "gone";
        });
      }
    } finally {
      serving.interrupt();
      serving.join(TimeUnit.SECONDS.toMillis(60));
    }
    assertThat(serving.isAlive()).isFalse();
    assertThat(code.get()).as(err.toString()).isEqualTo(Exit.OK);
    assertThat(err.toString()).contains("fabula console: serving http://127.0.0.1:");
  }

  @Test
  void consoleRefusesTwoStoresOfOneName() {
    String place = newPlace();
    Cli.Run run = Cli.run("console", "--store", URL, "--schema", place, "--store", URL, "--schema", place, "--port", "0");
    assertThat(run.code()).as(run.toString()).isEqualTo(Exit.USAGE);
    assertThat(run.err()).contains("two stores are named '" + place + "'", "--store NAME=URL");
    Cli.Run named = Cli.run("export", "--store", "shop=" + URL, "--schema", place);
    assertThat(named.code()).isEqualTo(Exit.USAGE);
    assertThat(named.err()).contains("applies only to fabula console");
  }

  @Test
  void consoleRefusesToListenBeyondLoopbackWithoutAPassword() {
    Cli.Run run = Cli.run("console", "--store", URL, "--schema", newPlace(), "--port", "0", "--bind", "0.0.0.0");
    assertThat(run.code()).as(run.toString()).isEqualTo(Exit.REFUSED);
    assertThat(run.err()).contains("without a password", ConsoleCommand.HASH_VARIABLE);
    assertThat(run.out()).isEmpty();
  }

  @Test
  void consoleRefusesAMalformedPasswordHash() {
    Cli.Run run = Cli.run("console", "--store", URL, "--schema", newPlace(), "--port", "0", "--password-hash", "secret");
    assertThat(run.code()).as(run.toString()).isEqualTo(Exit.USAGE);
    assertThat(run.out()).isEmpty();
  }

  private static JsonNode get(URI base, String path) {
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> answer = client.send(
          HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      return new ObjectMapper().readTree(answer.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  boolean hasProgressTable(String place) {
    try (Connection c = admin.getConnection(); ResultSet rs = c.getMetaData().getTables(null, place, "fabula_progress", null)) {
      return rs.next();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  ProgressStore progressStore(String place) {
    return Postgres.progressStore(admin, PostgresOptions.builder().schema(place).build());
  }
}
