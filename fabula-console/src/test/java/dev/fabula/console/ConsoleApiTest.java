package dev.fabula.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.StreamSupport;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console's JSON API over example-like data, as a script or the pages use it. */
class ConsoleApiTest {
  private static final String PASSWORD = "correct horse battery";
  private final Shop shop = new Shop();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
    shop.close();
  }

  private Http start(ConsoleOptions options) {
    Console console = Console.start(options);
    closing.add(console);
    assertThat(console.uri().toString()).startsWith("http://127.0.0.1:");
    return new Http(console.uri());
  }

  private static List<JsonNode> list(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).toList();
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void overviewCountsEventsNamesAndAggregates() {
    Http http = start(shop.options().build());
    JsonNode o = http.get("api/overview").json();
    assertThat(o.get("eventCount").asLong()).isEqualTo(9);
    assertThat(list(o.get("names")))
        .extracting(n -> n.get("name").asText() + "=" + n.get("count").asLong())
        .containsExactly(
            "product.created=3", "product.priced=2", Shop.MARKUP_NAME + "=1", "note.imported=1",
            "product.renamed=1", "secret.imported=1");
    assertThat(list(o.get("aggregates"))).extracting(a -> a.get("type").asText() + "=" + a.get("count").asInt())
        .containsExactly("product=3");
    assertThat(o.at("/safeHorizon/position").asLong()).isEqualTo(shop.store.lastPosition());
    assertThat(list(o.at("/throughput/buckets")).stream().mapToLong(b -> b.get("count").asLong()).sum()).isEqualTo(9);

    shop.products.use(shop.ids.get(2), p -> p.price(9900));
    JsonNode after = http.get("api/overview").json();
    assertThat(after.get("eventCount").asLong()).as("counted incrementally").isEqualTo(10);
  }

  @Test
  void overviewShowsWhatHoldsTheHorizonBackWhenTold() {
    var holder = new java.util.concurrent.atomic.AtomicReference<java.util.Optional<String>>(
        java.util.Optional.of("pid 4711 (xid 9, application 'psql', idle in transaction), open for 3.0 s"));
    Http http = start(shop.options().horizonHolder(() -> {
      java.util.Optional<String> h = holder.get();
      if (h == null) {
        throw new IllegalStateException("the server is gone");
      }
      return h;
    }).build());
    assertThat(http.get("api/overview").json().at("/safeHorizon/heldBackBy").asText()).startsWith("pid 4711 ");

    holder.set(java.util.Optional.empty());
    JsonNode free = http.get("api/overview").json().get("safeHorizon");
    assertThat(free.get("heldBackBy").isNull()).isTrue();
    assertThat(free.get("note").asText()).endsWith("nothing holds it back");

    holder.set(null);
    JsonNode failed = http.get("api/overview").json().get("safeHorizon");
    assertThat(failed.get("heldBackBy").isNull()).isTrue();
    assertThat(failed.get("note").asText()).endsWith("could not be told: the server is gone");
  }

  @Test
  void overviewSaysItCannotTellWhatHoldsTheHorizonBackUntilTold() {
    JsonNode h = start(shop.options().build()).get("api/overview").json().get("safeHorizon");
    assertThat(h.get("heldBackBy").isNull()).isTrue();
    assertThat(h.get("note").asText()).contains("not told how to find what holds it back");
  }

  @Test
  void timelineFiltersAndPagesByPosition() {
    Http http = start(shop.options().build());
    JsonNode all = http.get("api/events").json();
    assertThat(all.get("events")).hasSize(9);
    assertThat(all.get("next").isNull()).isTrue();

    JsonNode created = http.get("api/events?name=product.created").json();
    assertThat(list(created.get("events"))).extracting(e -> e.get("name").asText()).containsOnly("product.created").hasSize(3);
    JsonNode first = created.get("events").get(0);
    assertThat(first.get("payloadStatus").asText()).isEqualTo("decoded");
    assertThat(first.at("/payload/name").asText()).isEqualTo("Lamp");
    assertThat(first.at("/payload/priceCents").asLong()).isEqualTo(1999);

    String lamp = shop.ids.get(0).toString();
    JsonNode lampEvents = http.get("api/events?aggregateType=product&aggregateId=" + lamp).json();
    assertThat(list(lampEvents.get("events"))).extracting(e -> e.at("/aggregate/version").asInt()).containsExactly(1, 2, 3);

    JsonNode page1 = http.get("api/events?limit=4").json();
    assertThat(page1.get("events")).hasSize(4);
    long next = page1.get("next").asLong();
    assertThat(next).isEqualTo(page1.get("events").get(3).get("position").asLong());
    JsonNode page2 = http.get("api/events?limit=4&after=" + next).json();
    assertThat(page2.get("events").get(0).get("position").asLong()).isGreaterThan(next);
    assertThat(http.get("api/events?until=" + next).json().get("events")).hasSize(4);

    assertThat(http.get("api/events?from=" + Instant.now().plusSeconds(3600)).json().get("events")).isEmpty();
    assertThat(http.get("api/events?to=" + Instant.now().plusSeconds(3600)).json().get("events")).hasSize(9);

    Http.Answer bad = http.get("api/events?aggregateId=nope");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("error").asText()).isEqualTo("aggregateId must be a UUID");
    assertThat(http.get("api/events?from=yesterday").status()).isEqualTo(400);
    assertThat(http.get("api/events?limit=100000").status()).isEqualTo(400);
  }

  @Test
  void neverDecodesOrReadsAPayloadTypeTheRegistryDoesNotKnow() {
    Shop.Secret.READ.set(false);
    Http http = start(shop.options().build());
    JsonNode secret = http.get("api/events?name=secret.imported").json().get("events").get(0);
    assertThat(secret.get("payloadStatus").asText()).isEqualTo("not-registered");
    assertThat(secret.get("payload").isNull()).isTrue();
    JsonNode note = http.get("api/events?name=note.imported").json().get("events").get(0);
    assertThat(note.get("payloadStatus").asText()).isEqualTo("raw");
    assertThat(note.at("/payload/text").asText()).isEqualTo("plain JSON");
    http.get("api/events");
    http.get("api/overview");
    assertThat(Shop.Secret.READ).as("the unregistered type's getters and toString were never called").isFalse();
  }

  @Test
  void showsARawPayloadAsItsStoredJsonWithItsRevision() {
    // What a store built with Codecs.rawFallback(codec) reads for a name the registry does not know.
    dev.fabula.event.EventStore store = dev.fabula.memory.InMemory.eventStore();
    closing.add(store::close);
    store.insert(List.of(dev.fabula.event.Event.create(
        "legacy.thing", new dev.fabula.codec.RawPayload(2, "{\"kept\": [1, \"<b>\"]}"))));
    Http http = start(ConsoleOptions.builder(store, shop.registry).port(0).build());
    JsonNode e = http.get("api/events").json().get("events").get(0);
    assertThat(e.get("payloadStatus").asText()).isEqualTo("raw");
    assertThat(e.get("payloadRevision").asInt()).isEqualTo(2);
    assertThat(e.at("/payload/kept/1").asText()).isEqualTo("<b>");
    assertThat(http.get("api/events").body()).doesNotContain("<b>");
  }

  @Test
  void showsAnEventTheStoreCannotDecodeByItsNameAndReadsOnPastIt() {
    Shop.Secret.READ.set(false);
    var store = new UndecodingStore(shop.store, "secret.imported");
    Http http = start(ConsoleOptions.builder(store, shop.registry).port(0).build());
    JsonNode all = http.get("api/events").json();
    assertThat(all.get("events")).hasSize(9);
    JsonNode secret = list(all.get("events")).stream()
        .filter(e -> e.get("name").asText().equals("secret.imported")).findFirst().orElseThrow();
    assertThat(secret.get("payloadStatus").asText()).isEqualTo("undecodable");
    assertThat(secret.get("payload").isNull()).isTrue();
    assertThat(secret.get("payloadNote").asText()).contains("secret.imported");
    assertThat(all.get("events").get(8).get("name").asText()).as("read on past it").isEqualTo(Shop.MARKUP_NAME);

    long secretPosition = secret.get("position").asLong();
    JsonNode page = http.get("api/events?limit=1&after=" + (secretPosition - 1)).json();
    assertThat(page.get("events").get(0).get("position").asLong()).isEqualTo(secretPosition);
    assertThat(page.get("next").asLong()).isEqualTo(secretPosition);

    JsonNode o = http.get("api/overview").json();
    assertThat(o.get("eventCount").asLong()).isEqualTo(9);
    assertThat(o.get("undecodableCount").asLong()).isEqualTo(1);
    assertThat(Shop.Secret.READ).isFalse();
  }

  @Test
  void markupInNamesAndPayloadsLeavesTheApiOnlyAsEscapedText() {
    Http http = start(shop.options().build());
    Http.Answer a = http.get("api/events?name=" + java.net.URLEncoder.encode(Shop.MARKUP_NAME, StandardCharsets.UTF_8));
    assertThat(a.header("content-type")).hasValue("application/json; charset=utf-8");
    assertThat(a.header("x-content-type-options")).hasValue("nosniff");
    assertThat(a.body()).doesNotContain("<", ">").contains("\\u003Cscript\\u003E");
    JsonNode e = a.json().get("events").get(0);
    assertThat(e.get("name").asText()).isEqualTo(Shop.MARKUP_NAME);
    assertThat(e.at("/payload/text").asText()).isEqualTo(Shop.MARKUP_TEXT);
    assertThat(http.get("api/overview").body()).doesNotContain("<");
    Http.Answer page = http.get("");
    assertThat(page.header("content-security-policy").orElseThrow())
        .contains("script-src 'self'").doesNotContain("unsafe-inline");
  }

  @Test
  void showsAnAggregatesStreamAndItsStateAtAVersion() {
    Http http = start(shop.options().build());
    String lamp = shop.ids.get(0).toString();
    JsonNode latest = http.get("api/aggregates/product/" + lamp).json();
    assertThat(latest.get("latestVersion").asInt()).isEqualTo(3);
    assertThat(latest.at("/state/name").asText()).isEqualTo("Desk lamp");
    JsonNode v2 = http.get("api/aggregates/product/" + lamp + "?version=2").json();
    assertThat(v2.get("version").asInt()).isEqualTo(2);
    assertThat(v2.at("/state/name").asText()).isEqualTo("Lamp");
    assertThat(v2.at("/state/priceCents").asLong()).isEqualTo(2499);
    assertThat(v2.get("events")).hasSize(3);
    assertThat(http.get("api/aggregates/product/" + lamp + "?version=7").status()).isEqualTo(404);
    assertThat(http.get("api/aggregates/order/" + lamp).status()).isEqualTo(404);
    assertThat(list(http.get("api/aggregates").json().get("types"))).extracting(JsonNode::asText).containsExactly("product");
  }

  @Test
  void readOnlyUnlessWritesAreEnabled() {
    Http http = start(shop.options().build());
    http.session();
    Http.Answer a = http.post("api/projections/catalog/trigger", "{}");
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.json().get("error").asText()).contains("write actions are disabled");
  }

  @Test
  void everyWriteNeedsTheSessionsCsrfToken() {
    Http http = start(shop.options().writesEnabled(true).build());
    Http.Answer none = http.post("api/projections/catalog/trigger", "{\"reset\": true}");
    assertThat(none.status()).as("no session, no token").isEqualTo(403);
    http.session();
    String token = http.csrf;
    http.csrf = null;
    Http.Answer missing = http.post("api/projections/catalog/trigger", "{\"reset\": true}");
    assertThat(missing.status()).isEqualTo(403);
    assertThat(missing.json().get("error").asText()).contains("CSRF");
    http.csrf = "forged";
    assertThat(http.post("api/projections/catalog/trigger", "{\"reset\": true}").status()).isEqualTo(403);
    assertThat(shop.schedule.status().position()).as("nothing was reset").isEqualTo(shop.store.lastPosition());

    http.csrf = token;
    Http.Answer ok = http.post("api/projections/catalog/trigger", "{\"reset\": true}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().at("/job/reset").asBoolean()).isTrue();
    await("the rebuild is done", () -> http.get("api/projections/catalog").json().at("/job/state").asText().equals("done"));
    JsonNode p = http.get("api/projections/catalog").json();
    assertThat(p.at("/job/progress").asDouble()).isEqualTo(1.0);
    assertThat(p.get("lag").asLong()).isZero();
    assertThat(shop.catalog.names).hasSize(3).containsValue("Desk lamp");
  }

  @Test
  void withAPasswordEverythingNeedsALogin() {
    Http http = start(shop.options().writesEnabled(true).password(PASSWORD.toCharArray()).build());
    assertThat(http.get("api/overview").status()).isEqualTo(401);
    assertThat(http.get("api/events").status()).isEqualTo(401);
    assertThat(http.post("api/projections/catalog/trigger", "{}").status()).as("unauthenticated write").isEqualTo(401);
    JsonNode s = http.session().json();
    assertThat(s.get("loginRequired").asBoolean()).isTrue();
    assertThat(s.get("authenticated").asBoolean()).isFalse();
    assertThat(s.get("csrf").isNull()).isTrue();
    assertThat(http.cookie).as("no session before a login").isNull();

    assertThat(http.login("wrong password").status()).isEqualTo(401);
    Http.Answer in = http.login(PASSWORD);
    assertThat(in.status()).as(in.body()).isEqualTo(200);
    String cookie = in.setCookies().stream().filter(c -> c.startsWith(ConsoleHandler.COOKIE)).findFirst().orElseThrow();
    assertThat(cookie).containsIgnoringCase("Secure").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
    assertThat(http.get("api/overview").status()).isEqualTo(200);

    String token = http.csrf;
    http.csrf = null;
    assertThat(http.post("api/projections/catalog/trigger", "{}").status()).as("logged in, no CSRF token").isEqualTo(403);
    http.csrf = token;
    assertThat(http.post("api/projections/catalog/trigger", "{}").status()).isEqualTo(200);

    assertThat(http.post("api/logout", "{}").status()).isEqualTo(200);
    assertThat(http.get("api/overview").status()).isEqualTo(401);
  }

  @Test
  void aScriptMaySendThePasswordAsABearerToken() {
    Http http = start(shop.options().writesEnabled(true).passwordHash(ConsoleOptions.hashPassword(PASSWORD.toCharArray())).build());
    http.bearer = "not it at all";
    assertThat(http.get("api/projections").status()).isEqualTo(401);
    http.bearer = PASSWORD;
    assertThat(http.get("api/projections").json().at("/projections/0/name").asText()).isEqualTo("catalog");
    assertThat(http.post("api/projections/catalog/trigger", "{}").status()).as("no CSRF needed with a bearer token").isEqualTo(200);
  }

  @Test
  void refusesToListenBeyondLoopbackWithoutAPassword() throws Exception {
    InetAddress any = InetAddress.getByName("0.0.0.0");
    assertThatThrownBy(() -> Console.start(shop.options().bindAddress(any).build()))
        .isInstanceOf(UnprotectedConsoleException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("password");
    try (Console c = Console.start(shop.options().bindAddress(any).password(PASSWORD.toCharArray()).build())) {
      Http http = new Http(URI.create("http://127.0.0.1:" + c.port() + "/"));
      assertThat(http.get("api/overview").status()).isEqualTo(401);
    }
  }

  @Test
  void aTakenPortIsASpecificFailure() {
    try (Console first = Console.start(shop.options().build())) {
      ConsoleOptions same = ConsoleOptions.builder(shop.store, shop.registry).port(first.port()).build();
      assertThatThrownBy(() -> Console.start(same))
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining("could not listen on 127.0.0.1:" + first.port());
    }
  }

  @Test
  void withoutAPasswordAnswersOnlyRequestsNamingALoopbackHost() throws Exception {
    try (Console c = Console.start(shop.options().build());
        Socket s = new Socket(InetAddress.getLoopbackAddress(), c.port())) {
      OutputStream out = s.getOutputStream();
      out.write("GET /api/overview HTTP/1.1\r\nHost: rebound.example\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      assertThat(status).startsWith("HTTP/1.1 403");
    }
  }

  @Test
  void mountedWithoutAPasswordItRefusesClientsBeyondLoopback() throws Exception {
    InetAddress external = java.net.NetworkInterface.networkInterfaces()
        .flatMap(java.net.NetworkInterface::inetAddresses)
        .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst()
        .orElse(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(external != null, "this machine has no non-loopback IPv4 address");
    var server = new Server();
    var connector = new ServerConnector(server);
    connector.setHost("0.0.0.0");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(Console.handler(shop.options().build()));
    server.start();
    try {
      Http.Answer beyond = new Http(URI.create("http://" + external.getHostAddress() + ":" + connector.getLocalPort() + "/"))
          .get("api/overview");
      assertThat(beyond.status()).isEqualTo(403);
      assertThat(beyond.json().get("error").asText()).contains("no password");
      assertThat(new Http(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/")).get("api/overview").status())
          .isEqualTo(200);
    } finally {
      server.stop();
    }
  }

  @Test
  void mountsIntoAnApplicationsJettyServer() throws Exception {
    var server = new Server();
    var connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(new ContextHandler(Console.handler(shop.options().build()), "/console"));
    server.start();
    try {
      Http http = new Http(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/console/"));
      assertThat(http.get("api/overview").json().get("eventCount").asLong()).isEqualTo(9);
      assertThat(http.get("").body()).contains("<title>Fabula console</title>");
      Http.Answer s = http.session();
      assertThat(s.setCookies()).anySatisfy(c -> assertThat(c).contains("Path=/console"));
      assertThat(http.get("elsewhere").status()).as("declined, so the server's 404").isEqualTo(404);
    } finally {
      server.stop();
    }
  }

  @Test
  void optionsRefuseBadSettings() {
    ConsoleOptions.Builder b = shop.options();
    assertThatThrownBy(() -> b.port(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("port(0)");
    assertThatThrownBy(() -> b.schedule("catalog", shop.schedule)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.password("short".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 8");
    assertThatThrownBy(() -> b.passwordHash("plain-text")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ConsoleOptions.builder(shop.store, shop.registry).port(70000))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ConsoleOptions.builder(null, shop.registry)).isInstanceOf(NullPointerException.class).hasMessage("store");
    assertThatThrownBy(() -> ConsoleOptions.builder(shop.store, null)).isInstanceOf(NullPointerException.class).hasMessage("registry");
    String hash = ConsoleOptions.hashPassword(PASSWORD.toCharArray());
    assertThat(hash).startsWith("pbkdf2-sha512$210000$").doesNotContain(PASSWORD);
    assertThat(Passwords.matches(hash, PASSWORD)).isTrue();
    assertThat(Passwords.matches(hash, PASSWORD + "!")).isFalse();
  }

  // ---- dead letters: retry and evict ----

  private static JsonNode letter(Http http, String projection) {
    JsonNode schedule = http.get("api/projections/" + DeadLetterShop.SCHEDULE).json();
    return list(schedule.get("deadLetters")).stream()
        .filter(l -> l.get("projection").asText().equals(projection))
        .findFirst()
        .orElse(null);
  }

  @Test
  void aDeadLetterIsRetriedWithTheCsrfTokenAndAFailedRetryKeepsItWithTheNewError() {
    try (var letters = new DeadLetterShop(shop)) {
      Http http = start(shop.options().schedule(DeadLetterShop.SCHEDULE, letters.schedule).writesEnabled(true).build());
      http.session();
      JsonNode desk = letter(http, "names");
      assertThat(desk.get("error").asText()).contains("cannot take Desk (attempt 1)");
      String retry = "api/projections/" + DeadLetterShop.SCHEDULE + "/dead-letters/" + desk.get("eventId").asText() + "/retry";
      String body = "{\"projection\": \"names\"}";

      String token = http.csrf;
      http.csrf = null;
      Http.Answer noToken = http.post(retry, body);
      assertThat(noToken.status()).isEqualTo(403);
      assertThat(noToken.json().get("error").asText()).contains("CSRF");
      assertThat(letters.names.attempts).as("nothing was tried").hasValue(1);
      http.csrf = token;

      Http.Answer failed = http.post(retry, body);
      assertThat(failed.status()).as(failed.body()).isEqualTo(422);
      assertThat(failed.json().get("error").asText()).contains("the letter stays").contains("attempt 2");
      assertThat(letter(http, "names").get("error").asText()).contains("cannot take Desk (attempt 2)");

      letters.names.failing = null;
      Http.Answer ok = http.post(retry, "{}"); // only one projection failed on that event
      assertThat(ok.status()).as(ok.body()).isEqualTo(200);
      assertThat(ok.json().get("action").asText()).isEqualTo("retry");
      assertThat(ok.json().get("projection").asText()).isEqualTo("names");
      assertThat(letters.names.names).containsValue("Desk");
      assertThat(letter(http, "names")).isNull();
      assertThat(letters.names.progress()).as("progress stays").isEqualTo(letters.stuck.progress());

      Http.Answer again = http.post(retry, body);
      assertThat(again.status()).isEqualTo(404);
      assertThat(again.json().get("error").asText()).contains("no dead letter");
    }
  }

  @Test
  void aDeadLetterThatCannotBeRetriedIsRefusedAndCanBeEvicted() {
    try (var letters = new DeadLetterShop(shop)) {
      Http http = start(shop.options().schedule(DeadLetterShop.SCHEDULE, letters.schedule).writesEnabled(true).build());
      http.session();
      JsonNode chair = letter(http, "stuck");
      String base = "api/projections/" + DeadLetterShop.SCHEDULE + "/dead-letters/" + chair.get("eventId").asText();

      Http.Answer refused = http.post(base + "/retry", "{\"projection\": \"stuck\"}");
      assertThat(refused.status()).as(refused.body()).isEqualTo(409);
      assertThat(refused.json().get("error").asText()).contains("Reapplicable").contains("evict");
      assertThat(letter(http, "stuck")).isNotNull();

      Http.Answer evicted = http.post(base + "/evict", "{\"projection\": \"stuck\"}");
      assertThat(evicted.status()).as(evicted.body()).isEqualTo(200);
      assertThat(evicted.json().get("deadLetterCount").asInt()).isEqualTo(1); // names' Desk is left
      assertThat(letter(http, "stuck")).isNull();
      assertThat(letters.schedule.deadLetters()).extracting(l -> l.projection()).containsExactly("names");
      assertThat(http.post(base + "/evict", "{}").status()).isEqualTo(404);

      assertThat(http.post("api/projections/nope/dead-letters/" + UUID_ZERO + "/retry", "{}").status()).isEqualTo(404);
      assertThat(http.post("api/projections/" + DeadLetterShop.SCHEDULE + "/dead-letters/" + UUID_ZERO + "/retry", "{}").status())
          .isEqualTo(404);
      assertThat(http.post("api/projections/" + DeadLetterShop.SCHEDULE + "/dead-letters/not-a-uuid/evict", "{}").status())
          .isEqualTo(400);
      assertThat(http.post(base + "/resend", "{}").status()).isEqualTo(404);
    }
  }

  private static final String UUID_ZERO = "00000000-0000-0000-0000-000000000000";

  @Test
  void deadLetterActionsAreWritesDisabledByDefault() {
    try (var letters = new DeadLetterShop(shop)) {
      Http http = start(shop.options().schedule(DeadLetterShop.SCHEDULE, letters.schedule).build());
      http.session();
      String id = letter(http, "names").get("eventId").asText();
      Http.Answer a = http.post("api/projections/" + DeadLetterShop.SCHEDULE + "/dead-letters/" + id + "/evict", "{}");
      assertThat(a.status()).isEqualTo(403);
      assertThat(letters.schedule.deadLetters()).hasSize(2);
    }
  }
}
