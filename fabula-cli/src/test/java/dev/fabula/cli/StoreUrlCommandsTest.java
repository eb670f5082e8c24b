package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.codec.Codec;
import dev.fabula.codec.Codecs;
import dev.fabula.codec.RawPayload;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fabula.console.ConsoleOptions;
import dev.fabula.event.EventBus;
import dev.fabula.projection.ProgressStore;
import dev.fabula.projection.Projections;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store-URL commands on one backend: export, import (round trip, refusals), tail and
 * aggregate. A backend's test says how to reach a fresh place (schema, database) and the options
 * that name it on the command line.
 */
abstract class StoreUrlCommandsTest {
  static final Codec TYPED = JacksonCodec.create(Carts.registry());

  @TempDir Path dir;

  /** A fresh place in the store, for this test only. */
  abstract String newPlace();

  /** The store URL and options naming {@code place}. */
  abstract List<String> storeArgs(String place);

  /** A store over {@code place} with {@code codec}; the caller closes it. */
  abstract EventStore open(String place, Codec codec);

  /** A store URL where nothing answers. */
  abstract String unreachableUrl();

  /** A progress store over {@code place}; the caller closes it. */
  abstract ProgressStore progressStore(String place);

  /** Whether {@code place} has a progress table or collection. */
  abstract boolean hasProgressTable(String place);

  /** {@code fabula console} over the places, each named (or not, when blank) as given, then {@code more}. */
  private String[] consoleArgs(List<String> names, List<String> places, String... more) {
    List<String> all = new ArrayList<>(List.of("console"));
    for (int i = 0; i < places.size(); i++) {
      List<String> store = new ArrayList<>(storeArgs(places.get(i)));
      if (!names.get(i).isEmpty()) {
        store.set(1, names.get(i) + "=" + store.get(1));
      }
      all.addAll(store);
    }
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private String[] args(String place, String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(storeArgs(place));
    return all.toArray(String[]::new);
  }

  private List<Event<?>> read(String place, Codec codec) {
    try (EventStore store = open(place, codec); Stream<Event<?>> events = store.query(EventQuery.all())) {
      return events.toList();
    }
  }

  /** Fills a fresh place with the carts, a note and an event of a name the registry lacks. */
  private String source() {
    String place = newPlace();
    try (EventStore store = open(place, Codecs.rawFallback(TYPED))) {
      Carts.fill(store);
      store.insert(List.of(Event.create("legacy.unregistered", new RawPayload(4, "{\"n\":1.50,\"deep\":{\"a\":[true,null]}}"))));
    }
    return place;
  }

  @Test
  void exportThenImportCopiesTheStoreEventByEvent() throws Exception {
    String from = source();
    Path file = dir.resolve("events.jsonl");
    Cli.Run export = Cli.run(args(from, "export", "--output", file.toString(), "--progress"));
    assertThat(export.code()).as(export.toString()).isZero();
    assertThat(export.err()).contains("exporting [").contains("100%").endsWith("exported 8 events\n");
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(8);
    assertThat(lines.get(0)).startsWith("{\"position\":").contains("\"name\":\"cart.opened\"", "\"revision\":1",
        "\"aggregate\":{\"type\":\"cart\"", "\"version\":1}", "\"payload\":{");
    assertThat(lines.get(7)).contains("\"revision\":4", "legacy.unregistered");

    String to = newPlace();
    Cli.Run imported = Cli.run(args(to, "import", "--input", file.toString(), "--batch-size", "2"));
    assertThat(imported.code()).as(imported.toString()).isZero();
    assertThat(imported.err()).isEqualTo("imported 8 events\n");

    List<Event<?>> original = read(from, Codecs.raw());
    List<Event<?>> copy = read(to, Codecs.raw());
    assertThat(copy).hasSameSizeAs(original);
    for (int i = 0; i < original.size(); i++) {
      Event<?> a = original.get(i);
      Event<?> b = copy.get(i);
      assertThat(b.id()).isEqualTo(a.id());
      assertThat(b.name()).isEqualTo(a.name());
      assertThat(b.time()).isEqualTo(a.time());
      assertThat(b.aggregateOrNull()).isEqualTo(a.aggregateOrNull());
      assertThat(b.metadata()).isEqualTo(a.metadata());
      assertThat(b.data()).as("payload of %s", a.name()).isEqualTo(a.data());
    }
    // The application reads the copy with its own types.
    List<Event<?>> typed = read(to, Codecs.rawFallback(TYPED));
    assertThat(typed.get(0).data()).isEqualTo(new Carts.Opened("ann"));
    assertThat(typed.get(3).data()).isEqualTo(new Carts.Note("stock \"taken\" \u00e9\n"));

    // Exported again, the copy gives the same lines but for the positions.
    Cli.Run again = Cli.run(args(to, "export"));
    assertThat(again.lines()).hasSize(8);
    for (int i = 0; i < 8; i++) {
      assertThat(withoutPosition(again.lines().get(i))).isEqualTo(withoutPosition(lines.get(i)));
    }
  }

  private static String withoutPosition(String line) {
    return line.replaceFirst("^\\{\"position\":\\d+,", "{");
  }

  @Test
  void exportsOneStreamAndImportRefusesWhatBreaksVersionContinuity() throws Exception {
    String from = source();
    UUID cart = read(from, Codecs.raw()).get(0).aggregateOrNull().id();
    Cli.Run stream = Cli.run(args(from, "export", "--aggregate", "cart/" + cart));
    assertThat(stream.code()).as(stream.toString()).isZero();
    assertThat(stream.lines()).hasSize(3).allSatisfy(l -> assertThat(l).contains(cart.toString()));

    // Without its first event, the stream would start at version 2 in an empty store: a gap.
    String gap = String.join("\n", stream.lines().subList(1, 3)) + "\n";
    String to = newPlace();
    Cli.Run refused = Cli.runWithInput(gap, args(to, "import"));
    assertThat(refused.code()).as(refused.toString()).isEqualTo(Exit.REFUSED);
    assertThat(refused.err()).contains("the store refused the batch of cart/" + cart + " versions 2-3 on lines 1-2")
        .contains("0 events were imported before it").contains("was not imported from version 2 on");
    assertThat(read(to, Codecs.raw())).isEmpty();

    // A store holding the other cart's first event already: what comes before that stream's
    // first batch is imported, the rest is not.
    Path file = dir.resolve("all.jsonl");
    assertThat(Cli.run(args(from, "export", "-o", file.toString())).code()).isZero();
    List<String> lines = Files.readAllLines(file);
    String secondCartFirst = lines.get(1);
    String partial = newPlace();
    assertThat(Cli.runWithInput(secondCartFirst + "\n", args(partial, "import")).code()).isZero();
    Cli.Run conflict = Cli.run(args(partial, "import", "-i", file.toString()));
    assertThat(conflict.code()).as(conflict.toString()).isEqualTo(Exit.REFUSED);
    assertThat(conflict.err()).contains("on lines 2-2").contains("1 event was imported before it");
    assertThat(read(partial, Codecs.raw())).hasSize(2);

    Cli.Run missing = Cli.run(args(from, "export", "--aggregate", "cart/" + UUID.randomUUID()));
    assertThat(missing.code()).isEqualTo(Exit.NOT_FOUND);
    assertThat(Cli.run(args(from, "export", "--aggregate", "cart")).code()).isEqualTo(Exit.USAGE);
    Cli.Run malformed = Cli.runWithInput("{\"id\": 1}\n", args(newPlace(), "import"));
    assertThat(malformed.code()).isEqualTo(Exit.USAGE);
    assertThat(malformed.err()).contains("line 1 of the input id is not a string");
  }

  @Test
  void tailAndAggregateReadTheStoreRaw() {
    String from = source();
    Cli.Run tail = Cli.run(args(from, "tail", "--after", "0", "--no-follow", "--name", Carts.NOTE));
    assertThat(tail.code()).as(tail.toString()).isZero();
    assertThat(tail.lines()).hasSize(1);
    assertThat(tail.lines().get(0)).contains("note.written", "  -  ", "stock");
    Cli.Run count = Cli.run(args(from, "tail", "--after", "0", "--count", "3", "--json"));
    assertThat(count.lines()).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{\"position\":"));

    UUID cart = read(from, Codecs.raw()).get(0).aggregateOrNull().id();
    Cli.Run two = Cli.run(args(from, "aggregate", "cart", cart.toString(), "--version", "2"));
    assertThat(two.code()).as(two.toString()).isZero();
    assertThat(two.lines()).hasSize(2);
    assertThat(two.lines().get(1)).contains("\"version\":2", "cart.item-added");
    assertThat(Cli.run(args(from, "aggregate", "cart", cart.toString(), "--version", "7")).code()).isEqualTo(Exit.NOT_FOUND);
    assertThat(Cli.run(args(from, "aggregate", "cart", UUID.randomUUID().toString())).code()).isEqualTo(Exit.NOT_FOUND);
  }

  @Test
  void tailFollowsEventsStoredAfterItStarted() throws Exception {
    String from = source();
    long head;
    try (EventStore store = open(from, Codecs.raw())) {
      long last;
      try (Stream<Event<?>> events = store.query(EventQuery.all())) {
        last = events.mapToLong(Event::position).max().orElseThrow();
      }
      // PostgreSQL: the gap-safe horizon passes what was just stored once every older open
      // transaction in the cluster has ended; until then tailing after it would show those events
      head = await("the store's horizon passes the events just stored", () -> {
        long now = store.lastPosition();
        return now >= last ? now : null;
      });
    }
    var follow = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> Cli.run(args(from, "tail", "--after", Long.toString(head), "--count", "1", "--poll", "50", "--json")));
    try (EventStore store = open(from, Codecs.rawFallback(TYPED))) {
      store.insert(List.of(Event.create(Carts.NOTE, new Carts.Note("late"))));
    }
    Cli.Run run = follow.get(120, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.lines()).singleElement().asString().contains("\"name\":\"note.written\"", "\"late\"");
  }

  @Test
  void anUnreachableStoreIsExitCodeFour() {
    Cli.Run run = Cli.run("export", "--store", unreachableUrl());
    assertThat(run.code()).as(run.toString()).isEqualTo(Exit.UNAVAILABLE);
    Cli.Run notAUrl = Cli.run("export", "--store", "memory");
    assertThat(notAUrl.code()).isEqualTo(Exit.USAGE);
    assertThat(notAUrl.err()).contains("--store must be a jdbc:postgresql: or mongodb:// URL");
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
    // a real projection run keeps its progress in the shop's place; two events come after it
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
        consoleArgs(List.of("shop", ""), List.of(shop, archive), "--port", "0", "--password-hash", hash),
        new PrintWriter(out, true), new PrintWriter(err, true))));
    try {
      List<String> printed = await("the console prints its stores' addresses", () -> {
        assertThat(serving.isAlive()).as("the command still serves: " + err).isTrue();
        List<String> lines = out.toString().lines().toList();
        return lines.size() == 3 && out.toString().endsWith("\n") ? lines : null;
      });
      URI root = URI.create(printed.get(0));
      assertThat(printed.get(1)).isEqualTo("shop " + root.resolve("stores/shop/"));
      // unnamed: named after its schema or database
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
      assertThat(none.get("projections")).as("no progress kept there").isEmpty();
      assertThat(none.has("storedProgressError")).isFalse();
      assertThat(hasProgressTable(archive)).as("the read-only console created no progress table").isFalse();

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

  /** Runs a projection over {@code place} to its end, its progress kept there; its position. */
  private long project(String place, String name) throws Exception {
    try (EventStore store = open(place, TYPED);
        ProgressStore progress = progressStore(place);
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

  /** The first non-null answer of {@code probe}, asking again for up to 60 s. */
  static <T> T await(String what, Supplier<@Nullable T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      T answer = probe.get();
      if (answer != null) {
        return answer;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting until " + what);
  }}
