package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.console.ConsoleOptions;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.projection.ProgressStore;
import dev.fabula.projection.Projections;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import java.util.Map;
import java.util.Set;
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
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
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
  void consoleServesSeveralStoresBehindOneLoginWithTheProgressTheyKeep() throws Exception {
    String shop = newPlace();
    String archive = newPlace();
    try (EventStore store = open(shop, TYPED)) {
      Carts.fill(store);
    }
    try (EventStore store = open(archive, TYPED)) {
      Carts.fill(store);
      store.insert(List.of(Event.create(Carts.NOTE, new Carts.Note("archived"))));
    }
    // a real projection run keeps its progress in the shop's schema; two events come after it
    long projected = project(shop, "cart-lines");
    try (EventStore store = open(shop, TYPED)) {
      store.insert(List.of(Event.create(Carts.NOTE, new Carts.Note("later"))));
      store.insert(List.of(Event.create(Carts.NOTE, new Carts.Note("later still"))));
    }
    String password = "standalone console";
    String hash = ConsoleOptions.hashPassword(password.toCharArray());
    var out = new StringWriter();
    var err = new StringWriter();
    var code = new AtomicInteger(-1);
    Thread serving = Thread.ofPlatform().name("fabula-console-test").start(() -> code.set(Fabula.run(
        new String[] {"console", "--store", "shop=" + URL, "--schema", shop, "--store", URL, "--schema", archive,
            "--port", "0", "--password-hash", hash},
        new PrintWriter(out, true), new PrintWriter(err, true))));
    try {
      List<String> printed = await("the console prints its stores' addresses", () -> {
        assertThat(serving.isAlive()).as("the command still serves: " + err).isTrue();
        List<String> lines = out.toString().lines().toList();
        return lines.size() == 3 && out.toString().endsWith("\n") ? lines : null;
      });
      URI root = URI.create(printed.get(0));
      assertThat(printed.get(1)).isEqualTo("shop " + root.resolve("stores/shop/"));
      // unnamed: named after its schema
      assertThat(printed.get(2)).isEqualTo(archive + " " + root.resolve("stores/" + archive + "/"));
      URI shopUri = root.resolve("stores/shop/");
      URI archiveUri = root.resolve("stores/" + archive + "/");

      assertThat(send(shopUri, "api/overview", null, null).statusCode()).isEqualTo(401);
      assertThat(send(archiveUri, "api/overview", null, null).statusCode()).isEqualTo(401);
      HttpResponse<String> login = send(shopUri, "api/login", null, "{\"password\": \"" + password + "\"}");
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
      String setCookie = login.headers().allValues("Set-Cookie").stream()
          .filter(c -> c.startsWith("fabula_console=")).findFirst().orElseThrow();
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));

      // one login reads both stores through the one server
      assertThat(json(send(shopUri, "api/overview", cookie, null)).get("eventCount").asLong()).isEqualTo(9);
      assertThat(json(send(archiveUri, "api/overview", cookie, null)).get("eventCount").asLong()).isEqualTo(8);
      JsonNode archived = json(send(archiveUri, "api/events", cookie, null)).get("events");
      assertThat(archived).hasSize(8);
      assertThat(archived.get(7).at("/payload/text").asText()).isEqualTo("archived");
      JsonNode stores = json(send(root, "api/stores", cookie, null));
      assertThat(stores.get("stores")).extracting(s -> s.get("name").asText()).containsExactly("shop", archive);

      // the shop's stored progress: the projection's position, the head, the lag
      long head;
      try (EventStore store = open(shop, TYPED); var events = store.query(dev.fabula.event.EventQuery.all())) {
        head = events.mapToLong(e -> e.position()).max().orElseThrow();
      }
      JsonNode row = await("the console's head reaches the two later events", () -> {
        JsonNode r = json(send(shopUri, "api/projections", cookie, null)).get("projections").get(0);
        return r.get("head").asLong() == head ? r : null;
      });
      assertThat(row.get("name").asText()).isEqualTo("cart-lines");
      assertThat(row.get("status").asText()).isEqualTo("stored progress");
      assertThat(row.get("position").asLong()).isEqualTo(projected);
      assertThat(row.get("lag").asLong()).isEqualTo(head - projected).isPositive();
      JsonNode none = json(send(archiveUri, "api/projections", cookie, null));
      assertThat(none.get("projections")).as("no progress table in that schema").isEmpty();
      assertThat(none.has("storedProgressError")).isFalse();
      try (Connection c = admin.getConnection(); ResultSet rs = c.getMetaData().getTables(null, archive, "%progress%", null)) {
        assertThat(rs.next()).as("the read-only console created no progress table").isFalse();
      }

      // the CLI's own projections command over the store's console, with the password as a token
      Cli.Run listed = Cli.run("projections", "--console", shopUri.toString(), "--token", password);
      assertThat(listed.code()).as(listed.toString()).isZero();
      assertThat(listed.lines()).hasSize(2);
      assertThat(listed.lines().get(1)).contains("cart-lines", Long.toString(projected), "stored progress");
    } finally {
      serving.interrupt();
      serving.join(TimeUnit.SECONDS.toMillis(60));
    }
    assertThat(serving.isAlive()).isFalse();
    assertThat(code.get()).as(err.toString()).isEqualTo(Exit.OK);
    assertThat(err.toString()).contains("shop at http://127.0.0.1:");
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

  /** Runs a projection over {@code place} to its end, its progress kept there; its position. */
  private long project(String place, String name) throws Exception {
    PostgresOptions options = PostgresOptions.builder().schema(place).build();
    try (EventStore store = open(place, TYPED);
        ProgressStore progress = Postgres.progressStore(admin, options);
        Schedule schedule = Schedule.periodically(store, Duration.ofHours(1), Set.of(EventBus.ALL), ScheduleOptions.defaults())) {
      long last;
      try (var events = store.query(dev.fabula.event.EventQuery.all())) {
        last = events.mapToLong(e -> e.position()).max().orElseThrow();
      }
      var applied = new AtomicInteger();
      schedule.project(Projections.tracked(name, e -> applied.incrementAndGet(), progress));
      await("the projection reaches position " + last, () -> {
        schedule.trigger().join();
        return progress.position(name) == last ? last : null;
      });
      assertThat(applied.get()).isEqualTo(7);
      assertThat(progress.positions()).containsExactly(Map.entry(name, last));
      return last;
    }
  }

  private static HttpResponse<String> send(URI base, String path, @Nullable String cookie, @Nullable String body) {
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
      if (cookie != null) {
        request.header("Cookie", cookie);
      }
      if (body != null) {
        request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
      }
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(HttpResponse<String> answer) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    try {
      return new ObjectMapper().readTree(answer.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /** The first non-null answer of {@code probe}, asking again for up to 60 s. */
  private static <T> T await(String what, Supplier<@Nullable T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      T answer = probe.get();
      if (answer != null) {
        return answer;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting until " + what);
  }
}
