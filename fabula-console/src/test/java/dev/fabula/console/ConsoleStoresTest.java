package dev.fabula.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fabula.event.Event;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.ProgressStore;
import java.net.InetAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.StreamSupport;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One console over several stores (each under stores/{name}/, one login for all) and the
 * projections whose progress a store keeps, listed read only beside the schedules.
 */
class ConsoleStoresTest {
  private static final String PASSWORD = "one login for all";
  private static final String HASH = ConsoleOptions.hashPassword(PASSWORD.toCharArray());
  private final Shop shop = new Shop();
  private final Shop archive = new Shop();
  private final ProgressStore progress = InMemory.progressStore();

  @AfterEach
  void close() {
    progress.close();
    archive.close();
    shop.close();
  }

  private static List<String> names(JsonNode answer, String field) {
    return StreamSupport.stream(answer.spliterator(), false).map(n -> n.get(field).asText()).toList();
  }

  private Map<String, ConsoleOptions> twoStores() {
    archive.store.insert(List.of(Event.create("note.imported", Map.of("text", "only in the archive"))));
    var stores = new LinkedHashMap<String, ConsoleOptions>();
    stores.put("shop", shop.options().passwordHash(HASH).build());
    stores.put("archive", archive.options().passwordHash(HASH).writesEnabled(true).build());
    return stores;
  }

  @Test
  void eachStoresConsoleStartsAndStopsWithTheHandlerThatServesThem() throws Exception {
    var handler = new StoresHandler(twoStores());
    var server = new org.eclipse.jetty.server.Server();
    handler.setServer(server);
    assertThat(handler.consoles()).hasSize(3).allSatisfy(c -> assertThat(c.getServer()).isSameAs(server));
    handler.start();
    assertThat(handler.consoles()).allSatisfy(c -> assertThat(c.isStarted()).isTrue());
    handler.stop(); // stops each store's overview count too
    assertThat(handler.consoles()).allSatisfy(c -> assertThat(c.isStopped()).isTrue());
  }

  @Test
  void withoutAPasswordTheRootTellsNoStoreNameToARequestNamingAnotherHost() throws Exception {
    archive.store.insert(List.of(Event.create("note.imported", Map.of("text", "x"))));
    var stores = new LinkedHashMap<String, ConsoleOptions>();
    stores.put("shop", shop.options().build());
    stores.put("archive", archive.options().build());
    try (Console console = Console.start(stores)) {
      for (String path : List.of("/", "/stores/archive")) {
        try (var s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), console.port())) {
          var out = s.getOutputStream();
          out.write(("GET " + path + " HTTP/1.1\r\nHost: rebound.example\r\nConnection: close\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.flush();
          String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
          // no redirect naming a store (the error page may echo the path the client sent)
          assertThat(answer).as(path).startsWith("HTTP/1.1 403").doesNotContain("Location").doesNotContain("stores/shop");
        }
      }
      assertThat(new Http(console.uri()).get("").status()).as("localhost is redirected").isEqualTo(302);
    }
  }

  @Test
  void severalStoresAnswerThroughOneServerBehindOneLogin() {
    try (Console console = Console.start(twoStores())) {
      Http http = new Http(console.uri());
      Http.Answer root = http.get("");
      assertThat(root.status()).isEqualTo(302);
      assertThat(root.header("Location").orElseThrow()).endsWith("/stores/shop/");
      assertThat(http.get("stores/archive").header("Location").orElseThrow()).endsWith("/stores/archive/");
      Http.Answer page = http.get("stores/archive/");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.header("Content-Type").orElseThrow()).startsWith("text/html");
      assertThat(page.header("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
      assertThat(http.get("stores/archive/console.js").status()).isEqualTo(200);

      // nothing is read before the login, in any store
      assertThat(http.get("stores/shop/api/overview").status()).isEqualTo(401);
      assertThat(http.get("stores/archive/api/events").status()).isEqualTo(401);
      assertThat(http.get("api/stores").status()).isEqualTo(401);

      // one login, at one store, covers both
      Http.Answer in = http.login("wrong password");
      assertThat(in.status()).isEqualTo(404); // the root has no login: each store's API has
      in = new Http(console.uri().resolve("stores/shop/")).login("wrong password");
      assertThat(in.status()).isEqualTo(401);
      Http shopHttp = new Http(console.uri().resolve("stores/shop/"));
      Http.Answer ok = shopHttp.login(PASSWORD);
      assertThat(ok.status()).as(ok.body()).isEqualTo(200);
      String cookie = ok.setCookies().stream().filter(c -> c.startsWith(ConsoleHandler.COOKIE)).findFirst().orElseThrow();
      assertThat(cookie).contains("Path=/").doesNotContain("Path=/stores").containsIgnoringCase("Secure").containsIgnoringCase("HttpOnly");
      Http archiveHttp = new Http(console.uri().resolve("stores/archive/"));
      archiveHttp.cookie = shopHttp.cookie;
      archiveHttp.csrf = shopHttp.csrf;
      assertThat(shopHttp.get("api/overview").json().get("eventCount").asLong()).isEqualTo(9);
      assertThat(archiveHttp.get("api/overview").json().get("eventCount").asLong()).isEqualTo(10);
      assertThat(names(archiveHttp.get("api/events?limit=500").json().get("events"), "name"))
          .hasSize(10).last().isEqualTo("note.imported");

      // the store list, from the root and from a store
      http.cookie = shopHttp.cookie;
      JsonNode fromRoot = http.get("api/stores").json();
      assertThat(names(fromRoot.get("stores"), "name")).containsExactly("shop", "archive");
      assertThat(names(fromRoot.get("stores"), "path")).containsExactly("stores/shop/", "stores/archive/");
      assertThat(fromRoot.get("current").isNull()).isTrue();
      assertThat(archiveHttp.get("api/stores").json().get("current").asText()).isEqualTo("archive");
      Http.Answer notAtRoot = http.get("api/overview");
      assertThat(notAtRoot.status()).isEqualTo(404);
      assertThat(notAtRoot.json().get("error").asText()).contains("stores/{name}/api/");
      assertThat(http.get("stores/nowhere/api/overview").status()).isEqualTo(404);

      // writes: each store's own setting, the session's one CSRF token
      Http.Answer refused = shopHttp.post("api/projections/catalog/trigger", "{}");
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.json().get("error").asText()).contains("write actions are disabled");
      archiveHttp.csrf = null;
      assertThat(archiveHttp.post("api/projections/catalog/trigger", "{}").status()).as("no CSRF token").isEqualTo(403);
      archiveHttp.csrf = shopHttp.csrf;
      Http.Answer triggered = archiveHttp.post("api/projections/catalog/trigger", "{}");
      assertThat(triggered.status()).as(triggered.body()).isEqualTo(200);

      // a script's bearer token reads every store; a logout ends the session everywhere
      Http script = new Http(console.uri());
      script.bearer = PASSWORD;
      assertThat(script.get("stores/archive/api/projections").json().at("/projections/0/name").asText()).isEqualTo("catalog");
      assertThat(shopHttp.post("api/logout", "{}").status()).isEqualTo(200);
      assertThat(archiveHttp.get("api/overview").status()).isEqualTo(401);
    }
  }

  @Test
  void theStoresOfOneConsoleShareItsAddressPortAndLogin() throws Exception {
    var other = new LinkedHashMap<String, ConsoleOptions>();
    other.put("shop", shop.options().passwordHash(HASH).build());
    other.put("archive", archive.options().password(PASSWORD.toCharArray()).build()); // another salt: another hash
    assertThatThrownBy(() -> Console.start(other)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'archive'").hasMessageContaining("password hash");
    assertThatThrownBy(() -> Console.handler(other)).isInstanceOf(IllegalArgumentException.class);

    var port = new LinkedHashMap<String, ConsoleOptions>();
    port.put("a", ConsoleOptions.builder(shop.store, shop.registry).port(0).build());
    port.put("b", ConsoleOptions.builder(archive.store, archive.registry).port(1234).build());
    assertThatThrownBy(() -> Console.start(port)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");

    var badName = Map.of("a/b", shop.options().build());
    assertThatThrownBy(() -> Console.start(badName)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a/b'");
    assertThatThrownBy(() -> Console.start(Map.<String, ConsoleOptions>of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one store");

    var open = Map.of("shop", shop.options().bindAddress(InetAddress.getByName("0.0.0.0")).build());
    assertThatThrownBy(() -> Console.start(open)).isInstanceOf(UnprotectedConsoleException.class);
  }

  @Test
  void severalStoresMountIntoAnApplicationsJettyServer() throws Exception {
    var server = new Server();
    var connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    var stores = new LinkedHashMap<String, ConsoleOptions>();
    stores.put("shop", shop.options().build());
    stores.put("archive", archive.options().build());
    server.setHandler(new ContextHandler(Console.handler(stores), "/console"));
    server.start();
    try {
      Http http = new Http(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/console/"));
      assertThat(http.get("").header("Location").orElseThrow()).endsWith("/console/stores/shop/");
      Http.Answer s = http.get("stores/archive/api/session");
      assertThat(s.setCookies()).anySatisfy(c -> assertThat(c).contains("Path=/console").doesNotContain("/stores"));
      assertThat(http.get("stores/archive/api/overview").json().get("eventCount").asLong()).isEqualTo(9);
      assertThat(http.get("elsewhere").status()).as("declined, so the server's 404").isEqualTo(404);
    } finally {
      server.stop();
    }
  }

  @Test
  void refusesAMissingArgumentNamingIt() {
    assertThatThrownBy(() -> Console.start((Map<String, ConsoleOptions>) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("stores");
    assertThatThrownBy(() -> Console.handler((Map<String, ConsoleOptions>) null)).hasMessage("stores");
    var missing = new LinkedHashMap<String, ConsoleOptions>();
    missing.put("shop", null);
    assertThatThrownBy(() -> Console.start(missing)).isInstanceOf(NullPointerException.class)
        .hasMessage("the options of store shop");
    assertThatThrownBy(() -> shop.options().storedProgress(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("positions");
    ConsoleOptions.Builder twice = shop.options().storedProgress(Map::of);
    assertThatThrownBy(() -> twice.storedProgress(Map::of)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("storedProgress");
  }

  @Test
  void aSingleStoreConsoleListsNoStores() {
    try (Console console = Console.start(shop.options().build())) {
      Http http = new Http(console.uri());
      JsonNode stores = http.get("api/stores").json();
      assertThat(stores.get("stores")).isEmpty();
      assertThat(stores.get("current").isNull()).isTrue();
      assertThat(http.get("api/overview").json().get("eventCount").asLong()).as("still at the root").isEqualTo(9);
    }
  }

  @Test
  void listsTheStoredProgressOfProjectionsItHasNoScheduleOf() {
    progress.advance("orders", 0, 4);
    progress.advance("audit", 0, 9);
    long head = shop.store.lastPosition();
    try (Console console = Console.start(shop.options().writesEnabled(true).storedProgress(progress::positions).build())) {
      Http http = new Http(console.uri());
      http.session();
      JsonNode list = http.get("api/projections").json();
      assertThat(list.has("storedProgressError")).isFalse();
      JsonNode rows = list.get("projections");
      assertThat(names(rows, "name")).containsExactly("catalog", "audit", "orders");
      assertThat(rows.get(0).get("status").asText()).isEqualTo("idle");
      JsonNode orders = rows.get(2);
      assertThat(orders.get("status").asText()).isEqualTo("stored progress");
      assertThat(orders.get("position").asLong()).isEqualTo(4);
      assertThat(orders.get("head").asLong()).isEqualTo(head);
      assertThat(orders.get("lag").asLong()).isEqualTo(head - 4);
      assertThat(orders.get("deadLetterCount").isNull()).as("unknown without the schedule").isTrue();
      assertThat(orders.get("job").isNull()).isTrue();
      assertThat(rows.get(1).get("lag").asLong()).isEqualTo(Math.max(0, head - 9));

      progress.advance("orders", 4, 6);
      JsonNode one = http.get("api/projections/orders").json();
      assertThat(one.get("position").asLong()).as("read on every request").isEqualTo(6);
      assertThat(one.get("lag").asLong()).isEqualTo(head - 6);
      assertThat(http.get("api/projections/nothing").status()).isEqualTo(404);
      Http.Answer trigger = http.post("api/projections/orders/trigger", "{}");
      assertThat(trigger.status()).as("no schedule: nothing to run").isEqualTo(404);
      assertThat(progress.position("orders")).isEqualTo(6);
    }
  }

  @Test
  void saysWhenTheStoredProgressCannotBeRead() {
    var failing = new AtomicBoolean(true);
    try (Console console = Console.start(shop.options().storedProgress(() -> {
      if (failing.get()) {
        throw new IllegalStateException("the progress table is gone");
      }
      return Map.of("orders", 2L);
    }).build())) {
      Http http = new Http(console.uri());
      JsonNode list = http.get("api/projections").json();
      assertThat(names(list.get("projections"), "name")).as("the schedules still show").containsExactly("catalog");
      assertThat(list.get("storedProgressError").asText()).contains("the progress table is gone");
      failing.set(false);
      assertThat(names(http.get("api/projections").json().get("projections"), "name")).containsExactly("catalog", "orders");
    }
  }
}
