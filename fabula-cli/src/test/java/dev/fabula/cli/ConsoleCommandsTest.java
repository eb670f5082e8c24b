package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fabula.console.Console;
import dev.fabula.console.ConsoleOptions;
import dev.fabula.event.Event;
import dev.fabula.projection.FailurePolicy;
import dev.fabula.projection.ProjectionException;
import dev.fabula.projection.Projection;
import dev.fabula.projection.Reapplicable;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The commands over a live console, started here over an in-memory store with a schedule. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsoleCommandsTest {
  private static final String PASSWORD = "open sesame";
  private final Carts carts = new Carts();
  private Console console;

  @AfterEach
  void close() {
    if (console != null) {
      console.close();
    }
    carts.close();
  }

  private String start(boolean writes, boolean password) {
    ConsoleOptions.Builder b = ConsoleOptions.builder(carts.store, Carts.registry())
        .aggregate(carts.carts, Carts.Cart::state)
        .schedule("item-counts", carts.schedule)
        .writesEnabled(writes)
        .port(0);
    if (password) {
      b.password(PASSWORD.toCharArray());
    }
    console = Console.start(b.build());
    return console.uri().toString();
  }

  @Test
  void listsProjectionsWithPositionHeadAndLag() throws Exception {
    String url = start(false, false);
    Cli.Run run = Cli.run("projections", "--console", url);
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.lines().get(0)).startsWith("NAME").contains("POSITION", "HEAD", "LAG", "STATUS");
    assertThat(run.lines().get(1).split(" +")).startsWith("item-counts", "7", "7", "0", "idle", "0", "-");

    Cli.Run json = Cli.run("projections", "--console", url, "--json");
    JsonNode p = new ObjectMapper().readTree(json.out()).at("/projections/0");
    assertThat(p.get("name").asText()).isEqualTo("item-counts");
    assertThat(p.get("lag").asLong()).isZero();
  }

  @Test
  void triggerRebuildsAndFollowsTheJobWithAProgressBar() {
    String url = start(true, false);
    carts.counts.counts.clear(); // the rebuild must bring them back
    Cli.Run run = Cli.run("trigger", "item-counts", "--reset", "--progress", "--console", url);
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.out()).isEqualTo("item-counts: rebuilt to position 7\n");
    assertThat(run.err()).contains("rebuilding item-counts [").contains("] 100%");
    assertThat(carts.counts.counts).containsEntry(carts.ids.get(0), 2).containsEntry(carts.ids.get(1), 2);

    Cli.Run plain = Cli.run("trigger", "item-counts", "--console", url);
    assertThat(plain.code()).as(plain.toString()).isZero();
    assertThat(plain.out()).isEqualTo("item-counts: caught up to position 7\n");
    assertThat(plain.err()).as("no bar unless stderr is a terminal or --progress").isEmpty();
  }

  @Test
  void triggerIsRefusedOnAReadOnlyConsoleAndUnknownSchedulesAreNotFound() {
    String url = start(false, false);
    Cli.Run refused = Cli.run("trigger", "item-counts", "--console", url);
    assertThat(refused.code()).as(refused.toString()).isEqualTo(Exit.REFUSED);
    assertThat(refused.err()).startsWith("fabula trigger: the console refused api/projections/item-counts/trigger (403)");
    console.close();
    url = start(true, false);
    Cli.Run missing = Cli.run("trigger", "nope", "--console", url);
    assertThat(missing.code()).as(missing.toString()).isEqualTo(Exit.NOT_FOUND);
  }

  @Test
  void withAPasswordTheTokenIsNeeded() {
    String url = start(true, true);
    Cli.Run without = Cli.run("projections", "--console", url);
    assertThat(without.code()).as(without.toString()).isEqualTo(Exit.REFUSED);
    assertThat(without.err()).contains("(401)");
    Cli.Run with = Cli.run("projections", "--console", url, "--token", PASSWORD);
    assertThat(with.code()).as(with.toString()).isZero();
    Cli.Run trigger = Cli.run("trigger", "item-counts", "--reset", "--console", url, "--token", PASSWORD);
    assertThat(trigger.code()).as(trigger.toString()).isZero();
  }

  @Test
  void tailPrintsStoredEventsAndFollowsNewOnes() throws Exception {
    String url = start(false, false);
    Cli.Run all = Cli.run("tail", "--console", url, "--after", "0", "--no-follow");
    assertThat(all.code()).as(all.toString()).isZero();
    assertThat(all.lines()).hasSize(7);
    assertThat(all.lines().get(0)).startsWith("1  ").contains("cart.opened", "cart/" + carts.ids.get(0) + "@1", "{\"owner\":\"ann\"}");

    Cli.Run notes = Cli.run("tail", "--console", url, "--after", "0", "--no-follow", "--name", Carts.NOTE, "--json");
    assertThat(notes.lines()).hasSize(1);
    assertThat(new ObjectMapper().readTree(notes.lines().get(0)).at("/metadata/correlationId").asText()).isEqualTo("corr-1");

    long head = carts.store.lastPosition();
    CompletableFuture<Cli.Run> follow = CompletableFuture.supplyAsync(
        () -> Cli.run("tail", "--console", url, "--after", Long.toString(head), "--count", "2", "--poll", "50"));
    UUID c = UUID.randomUUID();
    carts.carts.use(c, cart -> cart.open("cy"));
    carts.carts.use(c, cart -> cart.add("cup", 300));
    Cli.Run followed = follow.get(120, TimeUnit.SECONDS);
    assertThat(followed.code()).as(followed.toString()).isZero();
    assertThat(followed.lines()).hasSize(2);
    assertThat(followed.lines().get(1)).startsWith((head + 2) + "  ").contains("cart.item-added", "\"item\":\"cup\"");
  }

  @Test
  void aggregateShowsStateAtAVersionAndItsStream() {
    String url = start(false, false);
    UUID a = carts.ids.get(0);
    Cli.Run run = Cli.run("aggregate", "cart", a.toString(), "--version", "2", "--console", url);
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.lines().get(0)).isEqualTo("cart/" + a + " at version 2 of 3");
    assertThat(run.lines().get(1)).isEqualTo("state: {\"owner\":\"ann\",\"items\":1,\"version\":2}");
    assertThat(run.out()).contains("cart.opened", "cart.item-added");

    Cli.Run none = Cli.run("aggregate", "cart", UUID.randomUUID().toString(), "--console", url);
    assertThat(none.code()).as(none.toString()).isEqualTo(Exit.NOT_FOUND);
    Cli.Run beyond = Cli.run("aggregate", "cart", a.toString(), "--version", "9", "--console", url);
    assertThat(beyond.code()).as(beyond.toString()).isEqualTo(Exit.NOT_FOUND);
    Cli.Run bad = Cli.run("aggregate", "cart", "not-a-uuid", "--console", url);
    assertThat(bad.code()).isEqualTo(Exit.USAGE);
    assertThat(bad.err()).contains("must be a UUID");
  }

  @Test
  void anUnreachableConsoleIsExitCodeFour() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Cli.Run run = Cli.run("projections", "--console", "http://127.0.0.1:" + port);
    assertThat(run.code()).as(run.toString()).isEqualTo(Exit.UNAVAILABLE);
    assertThat(run.err()).contains("cannot reach the console at http://127.0.0.1:" + port + "/");
  }

  @Test
  void everyCommandHasHelpAndBadUsageIsExitCodeOne() {
    for (String command : List.of("projections", "trigger", "dead-letters", "tail", "aggregate", "export", "import")) {
      Cli.Run help = Cli.run(command, "--help");
      assertThat(help.code()).as(command).isZero();
      assertThat(help.out()).startsWith("Usage: fabula " + command);
    }
    Cli.Run top = Cli.run("--help");
    assertThat(top.out()).contains("projections", "trigger", "dead-letters", "tail", "aggregate", "export", "import", "Exit codes:");
    assertThat(Cli.run().code()).isEqualTo(Exit.USAGE);
    Cli.Run noSource = Cli.run("tail");
    assertThat(noSource.code()).isEqualTo(Exit.USAGE);
    assertThat(noSource.err()).contains("--console", "--store");
    Cli.Run both = Cli.run("tail", "--console", "http://127.0.0.1:1", "--store", "mongodb://127.0.0.1:1");
    assertThat(both.code()).isEqualTo(Exit.USAGE);
    assertThat(Cli.run("projections", "--console", "ftp://x").code()).isEqualTo(Exit.USAGE);
    assertThat(Cli.run("frobnicate").code()).isEqualTo(Exit.USAGE);
  }

  /** Items per cart under the dead-letter policy: fails on the item {@link #failing} names. */
  static final class Items implements Projection, Reapplicable {
    final Map<String, Integer> items = new ConcurrentHashMap<>();
    volatile @Nullable String failing = "desk";
    private volatile long position;

    @Override
    public void apply(Event<?> event) {
      if (event.data() instanceof Carts.Added a) {
        if (a.item().equals(failing)) {
          throw new IllegalStateException("no " + a.item() + " today");
        }
        items.merge(a.item(), 1, Integer::sum);
      }
    }

    @Override
    public void reapply(Event<?> event) {
      apply(event);
    }

    @Override
    public String projectionName() {
      return "items";
    }

    @Override
    public long progress() {
      return position;
    }

    @Override
    public void progress(long p) {
      position = p;
    }
  }

  @Test
  void deadLettersAreListedRetriedAndEvicted() throws Exception {
    var items = new Items();
    ScheduleListener quiet = new ScheduleListener() {
      @Override
      public void failed(ProjectionException failure) {
        // expected: the letters carry them
      }
    };
    try (Schedule letters = Schedule.continuously(carts.bus, carts.raw, Set.of(Carts.ADDED),
        ScheduleOptions.builder().failurePolicy(FailurePolicy.DEAD_LETTER).listener(quiet).build())) {
      letters.project(items);
      letters.awaitCaughtUp(Duration.ofSeconds(60));
      console = Console.start(ConsoleOptions.builder(carts.store, Carts.registry())
          .schedule("items", letters).writesEnabled(true).port(0).build());
      String url = console.uri().toString();
      String desk = letters.deadLetters().getFirst().eventId().toString();

      Cli.Run list = Cli.run("dead-letters", "items", "--console", url);
      assertThat(list.code()).as(list.toString()).isZero();
      assertThat(list.lines().get(0).split(" +")).containsExactly("PROJECTION", "POSITION", "EVENT", "ID", "ERROR");
      assertThat(list.lines()).hasSize(2);
      assertThat(list.lines().get(1)).startsWith("items").contains(Carts.ADDED, desk, "no desk today");

      Cli.Run failed = Cli.run("dead-letters", "items", "--retry", desk, "--console", url);
      assertThat(failed.code()).as(failed.toString()).isEqualTo(Exit.FAILED);
      assertThat(failed.err()).contains("(422)", "no desk today", "the letter stays");

      items.failing = null;
      Cli.Run retried = Cli.run("dead-letters", "items", "--retry", desk, "--projection", "items", "--console", url);
      assertThat(retried.code()).as(retried.toString()).isZero();
      assertThat(retried.out()).isEqualTo("items: retried event " + desk + " of projection items; 0 dead letters left\n");
      assertThat(items.items).containsEntry("desk", 1);
      assertThat(letters.deadLetters()).isEmpty();

      Cli.Run gone = Cli.run("dead-letters", "items", "--evict", desk, "--console", url);
      assertThat(gone.code()).as(gone.toString()).isEqualTo(Exit.NOT_FOUND);
      assertThat(Cli.run("dead-letters", "items", "--retry", desk, "--evict", desk, "--console", url).code()).isEqualTo(Exit.USAGE);
      assertThat(Cli.run("dead-letters", "items", "--retry", "nope", "--console", url).code()).isEqualTo(Exit.USAGE);
      assertThat(Cli.run("dead-letters", "nope", "--console", url).code()).isEqualTo(Exit.NOT_FOUND);
    }
  }

  @Test
  void evictingADeadLetterOfAProjectionThatCannotRetryIt() throws Exception {
    // keeps its progress but cannot apply an event again: a retry is refused, evict works
    var failing = new java.util.concurrent.atomic.AtomicBoolean(true);
    class Counting implements Projection, dev.fabula.projection.ProgressAware {
      volatile long position;

      @Override
      public void apply(Event<?> event) {
        if (failing.get() && event.data() instanceof Carts.Added a && a.item().equals("pen")) {
          throw new IllegalStateException("no pens");
        }
      }

      @Override
      public long progress() {
        return position;
      }

      @Override
      public void progress(long p) {
        position = p;
      }
    }
    Projection counting = new Counting();
    try (Schedule letters = Schedule.continuously(carts.bus, carts.raw, Set.of(Carts.ADDED),
        ScheduleOptions.builder().failurePolicy(FailurePolicy.DEAD_LETTER).listener(new ScheduleListener() {
          @Override
          public void failed(ProjectionException failure) {}
        }).build())) {
      letters.project(counting);
      letters.awaitCaughtUp(Duration.ofSeconds(60));
      console = Console.start(ConsoleOptions.builder(carts.store, Carts.registry())
          .schedule("counts", letters).writesEnabled(true).port(0).build());
      String url = console.uri().toString();
      String pen = letters.deadLetters().getFirst().eventId().toString();
      failing.set(false);

      Cli.Run refused = Cli.run("dead-letters", "counts", "--retry", pen, "--console", url);
      assertThat(refused.code()).as(refused.toString()).isEqualTo(Exit.REFUSED);
      assertThat(refused.err()).contains("(409)", "Reapplicable");
      Cli.Run evicted = Cli.run("dead-letters", "counts", "--evict", pen, "--json", "--console", url);
      assertThat(evicted.code()).as(evicted.toString()).isZero();
      JsonNode answer = new ObjectMapper().readTree(evicted.out());
      assertThat(answer.get("action").asText()).isEqualTo("evict");
      assertThat(answer.get("deadLetterCount").asInt()).isZero();
      assertThat(letters.deadLetters()).isEmpty();
    }
  }
}
