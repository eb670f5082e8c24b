package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.nats.processes.OrderWorkflow;
import dev.fabula.nats.processes.WorkflowProcess;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import dev.fabula.workflow.WorkflowStatus;
import dev.fabula.workflow.WorkflowView;
import io.nats.client.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workflows across processes (issue 22): workflow services run in child JVMs ({@link
 * WorkflowProcess}) on one PostgreSQL store, woken by the events this JVM stores and publishes on
 * core NATS, dispatching their commands on a distributed command bus over core NATS whose handler
 * runs here and records every command it gets. A child crashes with {@code SIGKILL} at a point it
 * reported (it blocks there until killed), so each case is deterministic; the assertions are on
 * command ids, counts, versions and statuses, never on times. Needs PostgreSQL ({@code
 * FABULA_POSTGRES_URL}) and NATS; skipped without them unless {@code FABULA_REQUIRE_BACKENDS=true}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrossProcessWorkflowTest {
  private static final long FAR = Duration.ofHours(10).toMillis();
  @RegisterExtension final ChildProcesses children = new ChildProcesses();
  private final TestBudget budget = TestBudget.of(Duration.ofSeconds(150));
  private final AtomicInteger tags = new AtomicInteger();
  private final WorkflowDefinition<TckData.State> definition = OrderWorkflow.definition(order -> {});
  private final Codec codec = OrderWorkflow.codec(definition);
  /** Every command the handler here received, in order: a re-dispatched one appears again. */
  private final Queue<Command<Alpha>> received = new ConcurrentLinkedQueue<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private String pgUrl;
  private String schema;
  private String prefix;
  private EventStore store;
  private EventStore publishing;
  private WorkflowService reader;

  @BeforeEach
  void isolate() throws Exception {
    TestNats.requireServer();
    String configured = System.getenv("FABULA_POSTGRES_URL");
    pgUrl = configured != null ? configured : "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    schema = "xwf_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try {
      sql("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      String message = "no PostgreSQL to share between processes at " + pgUrl + " (set FABULA_POSTGRES_URL): " + e;
      schema = null;
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError("FABULA_REQUIRE_BACKENDS=true but " + message, e);
      }
      assumeTrue(false, message);
    }
    prefix = TestNats.isolated("xwf").build().subjectPrefix();
    HikariDataSource dataSource = Postgres.dataSource(pgUrl);
    open.add(dataSource);
    // Created here first: this store makes the tables the children then share.
    store = Postgres.eventStore(dataSource, codec, PostgresOptions.builder().schema(schema).build());
    open.add(store);
    Connection connection = TestNats.rawConnection();
    open.add(connection::close);
    EventBus bus = Nats.eventBus(codec, NatsOptions.builder().connection(connection).subjectPrefix(prefix).build());
    open.add(bus);
    publishing = EventStores.publishing(store, bus);
    CommandBus handlers = CommandBuses.distributed(bus, codec, CommandBusOptions.defaults());
    open.add(handlers);
    for (String name : List.of(OrderWorkflow.RESERVE, OrderWorkflow.PAY, OrderWorkflow.RELEASE)) {
      handlers.handle(name, Alpha.class, received::add);
    }
    connection.flush(Duration.ofSeconds(10)); // the handlers' subscription is at the server
    // Never started: it only reads instances from the store.
    reader = WorkflowService.builder(store, bus, handlers, codec).add(definition).build();
    open.add(reader);
  }

  @AfterEach
  void cleanUp() throws Exception {
    children.killAll(); // before their schema goes
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    if (schema != null) {
      sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private void sql(String statement) throws SQLException {
    try (java.sql.Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  /** A started workflow child named {@code name}; returns once it reported {@code ready}. */
  private JvmProcess service(String name, String... more) throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("url=" + TestNats.URL, "prefix=" + prefix, "pgUrl=" + pgUrl,
        "schema=" + schema));
    args.addAll(List.of(more));
    JvmProcess p = children.start(name, WorkflowProcess.class, args.toArray(String[]::new));
    p.awaitLine("ready", budget.left());
    return p;
  }

  /** Sends {@code command} with a fresh tag and returns the rest of its answer {@code <reply> <tag> ...}. */
  private String ask(JvmProcess child, String command, String reply) throws InterruptedException {
    String tag = "t" + tags.incrementAndGet();
    String prefix = reply + " " + tag;
    child.send(command + " " + tag);
    child.await("the answer to '" + command + " " + tag + "'", l -> l.equals(prefix) || l.startsWith(prefix + " "),
        1, budget.left());
    String line = child.lines(reply).stream().filter(l -> l.equals(tag) || l.startsWith(tag + " ")).findFirst()
        .orElseThrow();
    return line.substring(tag.length()).trim();
  }

  /**
   * Waits until every event stored so far is below the store's horizon ({@code lastPosition()},
   * ADR 0005), which a transaction open anywhere on the server holds back: a child's {@code
   * awaitCaughtUp} waits only for the events below it when called, and its resync reads instances
   * as a store-following query, so each would miss an event stored just before.
   */
  private void settle() throws InterruptedException, SQLException {
    long last;
    try (java.sql.Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT coalesce(max(position), 0) FROM " + schema + ".fabula_events")) {
      rs.next();
      last = rs.getLong(1);
    }
    long deadline = System.nanoTime() + budget.left().toNanos();
    while (store.lastPosition() < last) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the store's horizon stayed below position " + last);
      }
      Thread.sleep(5);
    }
  }

  /** Settles, then has each child catch up ({@code sync}), then settles what they recorded. */
  private void sync(JvmProcess... processes) throws InterruptedException, SQLException {
    settle();
    for (JvmProcess p : processes) {
      ask(p, "sync", "synced");
    }
    settle();
  }

  private int activeTimeouts(JvmProcess child, String command, String reply) throws InterruptedException {
    return Integer.parseInt(ask(child, command, reply));
  }

  private void place(String name, String... orders) {
    publishing.insert(Stream.of(orders).map(o -> Event.create(name, new Alpha(o))).toList());
  }

  private WorkflowView<TckData.State> view(String order) {
    return reader.find(definition, definition.idForKey(order)).orElseThrow();
  }

  private void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + budget.left().toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " did not happen in time; received " + receivedNames());
      }
      Thread.sleep(20);
    }
  }

  private List<String> receivedNames() {
    return received.stream().map(Command::name).toList();
  }

  /** How many times the handler received each command id. */
  private Map<UUID, Long> receivedCounts() {
    return received.stream().collect(Collectors.groupingBy(Command::id, Collectors.counting()));
  }

  /** The ids of the {@code word} lines ({@code <id> <name>}) of {@code child}. */
  private static List<UUID> ids(JvmProcess child, String word) {
    return child.lines(word).stream().map(l -> UUID.fromString(l.split(" ")[0])).toList();
  }

  private static void assertNoErrors(JvmProcess... processes) {
    for (JvmProcess p : processes) {
      assertThat(p.lines("error")).as("errors reported by %s", p.name()).isEmpty();
    }
  }

  @Test
  void aCrashBetweenRecordingAndDispatching_theOtherProcessDispatchesTheSameIdsAfterTheGrace() throws Exception {
    JvmProcess a = service("a", "resyncMs=300", "graceMs=2000", "crash=beforeDispatch");
    place(OrderWorkflow.PLACED, "o-1");
    a.await("the first command held", l -> l.startsWith("holding "), 1, budget.left());
    UUID held = ids(a, "holding").getFirst();
    JvmProcess b = service("b", "resyncMs=300", "graceMs=2000");
    a.kill();

    awaitTrue("both commands dispatched and marked", () -> view("o-1").pendingCommands().isEmpty());
    awaitTrue("both commands received", () -> received.size() >= 2);
    assertThat(ids(a, "dispatched")).as("the crashed process dispatched nothing").isEmpty();
    assertThat(ids(b, "dispatched")).hasSize(2).contains(held).doesNotHaveDuplicates();
    assertThat(receivedNames()).containsExactlyInAnyOrder(OrderWorkflow.RESERVE, OrderWorkflow.PAY);
    assertThat(receivedCounts().keySet()).containsExactlyInAnyOrderElementsOf(ids(b, "dispatched"));
    WorkflowView<TckData.State> view = view("o-1");
    assertThat(view.status()).isEqualTo(WorkflowStatus.RUNNING);
    assertThat(view.version()).as("one transition and two dispatch marks").isEqualTo(3);
    assertThat(b.lines("reacted")).as("b found the trigger handled").isEmpty();
    assertNoErrors(b);
  }

  /**
   * The command a crashed process dispatched but never marked is dispatched again, with the same
   * id, by the process that took over: the handler receives it twice (at least once; a handler
   * de-duplicates by id), and the effect ends marked. The distributed command bus tells this new
   * dispatch from a late announcement of the first by its dispatch id (ADR 0003, ADR 0020).
   */
  @Test
  void aCrashBetweenDispatchingAndMarking_theOtherProcessDispatchesTheSameIdAgainAndMarksIt() throws Exception {
    JvmProcess a = service("a", "resyncMs=300", "graceMs=2000", "crash=beforeMark");
    place(OrderWorkflow.PLACED, "o-1");
    a.await("the first command held after its dispatch", l -> l.startsWith("holding "), 1, budget.left());
    UUID held = ids(a, "dispatched").getFirst();
    JvmProcess b = service("b", "resyncMs=300", "graceMs=2000");
    a.kill();

    awaitTrue("both commands dispatched and marked", () -> view("o-1").pendingCommands().isEmpty());
    awaitTrue("the held command received again, and the other one", () -> received.size() >= 3);
    Map<UUID, Long> counts = receivedCounts();
    assertThat(counts).as("the held command twice (a's dispatch and b's), the other once").hasSize(2)
        .containsEntry(held, 2L).allSatisfy((id, count) -> assertThat(count).isEqualTo(id.equals(held) ? 2L : 1L));
    assertThat(ids(a, "dispatched")).as("a dispatched the held command only").containsExactly(held);
    assertThat(ids(b, "dispatched")).as("b dispatched both, the held one with its id").hasSize(2).contains(held)
        .doesNotHaveDuplicates();
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(ids(b, "dispatched"));
    WorkflowView<TckData.State> view = view("o-1");
    assertThat(view.status()).isEqualTo(WorkflowStatus.RUNNING);
    assertThat(view.version()).as("one transition and two dispatch marks").isEqualTo(3);
    assertNoErrors(b);
  }

  @Test
  void aTimeoutDueWhileNoProcessRunsFiresAfterTheRestart() throws Exception {
    JvmProcess a = service("a", "resyncMs=" + FAR, "graceMs=" + FAR);
    place(OrderWorkflow.PLACED, "o-1");
    sync(a);
    assertThat(activeTimeouts(a, "timeouts", "timeouts")).isEqualTo(1);
    awaitTrue("both commands received", () -> received.size() >= 2);
    a.kill();
    assertThat(view("o-1").timeouts()).containsOnlyKeys(OrderWorkflow.DEADLINE);

    // The next process starts after the deadline: its clock is past it.
    long late = OrderWorkflow.PAYMENT_WINDOW.plusMinutes(1).toMillis();
    JvmProcess b = service("b", "resyncMs=" + FAR, "graceMs=" + FAR, "offsetMs=" + late);
    assertThat(view("o-1").status()).as("the deadline fired during b's start").isEqualTo(WorkflowStatus.COMPENSATING);
    awaitTrue("the release received", () -> received.size() >= 3);
    assertThat(receivedNames()).containsExactlyInAnyOrder(OrderWorkflow.RESERVE, OrderWorkflow.PAY, OrderWorkflow.RELEASE);
    List<UUID> release = received.stream().filter(c -> c.name().equals(OrderWorkflow.RELEASE)).map(Command::id).toList();
    assertThat(ids(b, "dispatched")).containsExactlyElementsOf(release);
    assertThat(view("o-1").timeouts()).isEmpty();
    assertThat(activeTimeouts(b, "resync", "resynced")).isZero();
    assertNoErrors(a, b);
  }

  @Test
  void aTimeoutCancelledByOneProcessNeverFiresOnTheOther() throws Exception {
    JvmProcess a = service("a", "resyncMs=" + FAR, "graceMs=" + FAR);
    JvmProcess b = service("b", "resyncMs=" + FAR, "graceMs=" + FAR);
    place(OrderWorkflow.PLACED, "o-1");
    sync(a, b);
    assertThat(activeTimeouts(a, "resync", "resynced")).isEqualTo(1);
    assertThat(activeTimeouts(b, "resync", "resynced")).isEqualTo(1);

    place(OrderWorkflow.PAID, "o-1");
    sync(a, b);
    int held = activeTimeouts(a, "timeouts", "timeouts") + activeTimeouts(b, "timeouts", "timeouts");
    assertThat(held).as("the process that did not record the payment still holds the deadline").isEqualTo(1);

    ask(a, "advance " + Duration.ofHours(2).toMillis(), "advanced");
    ask(b, "advance " + Duration.ofHours(2).toMillis(), "advanced");
    // The timer threads take what is due; then a resync waits for a firing under way.
    awaitTrue("both timer queues empty", () -> {
      try {
        return activeTimeouts(a, "timeouts", "timeouts") + activeTimeouts(b, "timeouts", "timeouts") == 0;
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    ask(a, "resync", "resynced");
    ask(b, "resync", "resynced");
    sync(a, b);

    WorkflowView<TckData.State> view = view("o-1");
    assertThat(view.status()).isEqualTo(WorkflowStatus.COMPLETED);
    assertThat(view.version()).as("two transitions and two dispatch marks: no firing").isEqualTo(4);
    awaitTrue("both commands received", () -> received.size() >= 2);
    assertThat(receivedNames()).containsExactlyInAnyOrder(OrderWorkflow.RESERVE, OrderWorkflow.PAY);
    assertNoErrors(a, b);
  }

  @Test
  void twoProcessesTakingInTheSameTriggersHandleEachOnce() throws Exception {
    int orders = 100;
    JvmProcess a = service("a", "resyncMs=" + FAR, "graceMs=" + FAR);
    JvmProcess b = service("b", "resyncMs=" + FAR, "graceMs=" + FAR);
    String[] keys = new String[orders];
    for (int i = 0; i < orders; i++) {
      keys[i] = "o-" + i;
    }
    for (int i = 0; i < orders; i += 10) {
      place(OrderWorkflow.PLACED, java.util.Arrays.copyOfRange(keys, i, i + 10));
    }
    sync(a, b);

    List<UUID> byA = ids(a, "dispatched");
    List<UUID> byB = ids(b, "dispatched");
    Set<UUID> both = new HashSet<>(byA);
    both.retainAll(byB);
    assertThat(both).as("commands dispatched by both processes").isEmpty();
    assertThat(byA.size() + byB.size()).isEqualTo(2 * orders);
    awaitTrue("every command received", () -> received.size() >= 2 * orders);
    Set<UUID> dispatched = new HashSet<>(byA);
    dispatched.addAll(byB);
    assertThat(receivedCounts()).as("each command received once").hasSize(2 * orders)
        .allSatisfy((id, count) -> assertThat(count).isEqualTo(1L));
    assertThat(receivedCounts().keySet()).isEqualTo(dispatched);
    for (String key : keys) {
      WorkflowView<TckData.State> view = view(key);
      assertThat(view.version()).as("order %s: one transition and two marks", key).isEqualTo(3);
      assertThat(view.state()).isEqualTo(new TckData.State(1, key));
    }
    Function<JvmProcess, Integer> reactions = p -> p.lines("reacted").size();
    assertThat(reactions.apply(a) + reactions.apply(b)).as("reactions, a retry on conflict included")
        .isGreaterThanOrEqualTo(orders);
    System.out.printf("two workflow processes: a recorded %d orders, b %d; reactions a %d, b %d%n",
        byA.size() / 2, byB.size() / 2, reactions.apply(a), reactions.apply(b));
    assertNoErrors(a, b);
  }
}
