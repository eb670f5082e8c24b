package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fabula.nats.processes.AppenderProcess;
import dev.fabula.nats.processes.CatalogProcess;
import dev.fabula.nats.processes.TriggerProcess;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Projections across processes (issue 20): two catalog processes run the same continuous schedule
 * over one PostgreSQL event store, a third appends (the store publishes each stored event on core
 * NATS, which triggers the schedules), and a fourth sends a rebuild trigger through the {@code
 * ProjectionService} to the schedule registered under one name. Needs PostgreSQL ({@code
 * FABULA_POSTGRES_URL}); skipped without it unless {@code FABULA_REQUIRE_BACKENDS=true}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrossProcessProjectionTest {
  private static final int EVENTS = 500;
  @RegisterExtension final ChildProcesses children = new ChildProcesses();
  private final TestBudget budget = TestBudget.of(Duration.ofSeconds(150));
  private String pgUrl;
  private String schema;
  private String prefix;

  @BeforeEach
  void isolate() throws SQLException {
    TestNats.requireServer();
    // FABULA_POSTGRES_URL, else the local server as its superuser (what the PostgreSQL module's
    // tests try first too); skipped when neither answers, except in CI.
    String configured = System.getenv("FABULA_POSTGRES_URL");
    pgUrl = configured != null ? configured : "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    schema = "xproc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
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
    prefix = TestNats.isolated("xproj").build().subjectPrefix();
  }

  @AfterEach
  void cleanUp() throws SQLException {
    children.killAll(); // before their schema goes
    if (schema != null) {
      sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private JvmProcess start(String name, Class<?> main, String... more) {
    List<String> args = new ArrayList<>(List.of("url=" + TestNats.URL, "prefix=" + prefix, "pgUrl=" + pgUrl,
        "schema=" + schema));
    args.addAll(List.of(more));
    return children.start(name, main, args.toArray(String[]::new));
  }

  /** The read model of the last {@code applied <EVENTS> <model>} line of {@code catalog}. */
  private static String finalModel(JvmProcess catalog) {
    return catalog.lines("applied").stream().filter(l -> l.startsWith(EVENTS + " ")).toList().getLast()
        .substring(String.valueOf(EVENTS).length() + 1);
  }

  @Test
  void twoCatalogProcessesEndAsARebuildAndATriggerRunsOnlyWhereItsNameIs() throws Exception {
    // One after the other: the first creates the store's tables.
    JvmProcess a = start("catalog-a", CatalogProcess.class, "name=catalog-a", "mode=run");
    a.awaitLine("ready", budget.left());
    JvmProcess b = start("catalog-b", CatalogProcess.class, "name=catalog-b", "mode=run");
    b.awaitLine("ready", budget.left());
    start("appender", AppenderProcess.class, "count=" + EVENTS, "aggregates=7").awaitLine("done", budget.left());

    String all = "applied " + EVENTS + " ";
    a.await("every event applied", l -> l.startsWith(all), 1, budget.left());
    b.await("every event applied", l -> l.startsWith(all), 1, budget.left());
    JvmProcess rebuild = start("rebuild", CatalogProcess.class, "name=-", "mode=rebuild");
    rebuild.await("the rebuilt model", l -> l.startsWith("model "), 1, budget.left());
    String rebuilt = rebuild.lines("model").getFirst();
    assertThat(rebuilt).startsWith(EVENTS + " ");
    String expected = rebuilt.substring(String.valueOf(EVENTS).length() + 1);
    assertThat(expected.split(";")).as("the rebuilt model: each aggregate's versions, in order")
        .hasSize(7).allSatisfy(part -> assertThat(part).matches("[0-9a-f-]{36}=1-[0-9]+"));
    assertThat(finalModel(a)).as("catalog-a").isEqualTo(expected);
    assertThat(finalModel(b)).as("catalog-b").isEqualTo(expected);
    assertThat(a.lines("error")).isEmpty();
    assertThat(b.lines("error")).isEmpty();

    // A rebuild of "catalog-a", asked for by another process: a resets and applies everything
    // again; b, which registered its schedule under another name, does nothing.
    start("trigger", TriggerProcess.class, "name=catalog-a").awaitLine("triggered", budget.left());
    a.await("the rebuild", l -> l.startsWith(all), 2, budget.left());
    assertThat(a.lines()).contains("reset");
    assertThat(finalModel(a)).as("catalog-a after its rebuild").isEqualTo(expected);
    // b has handled the trigger request by the time its own probe, sent later, came back, and
    // done whatever it made b do by the end of the job it then waits for.
    b.send("probe");
    b.awaitLine("probed", budget.left());
    assertThat(b.lines()).as("catalog-b, not named by the trigger").doesNotContain("reset");
    assertThat(b.lines("applied")).as("catalog-b applied each event once").hasSize(EVENTS);
    assertThat(finalModel(b)).as("catalog-b at the end").isEqualTo(expected);
    assertThat(a.lines("error")).isEmpty();
    assertThat(b.lines("error")).isEmpty();
  }
}
