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

/**
 * Projections across processes (issue 20): two catalog processes run the same continuous schedule
 * over one PostgreSQL event store, a third appends (the store publishes each stored event on core
 * NATS, which triggers the schedules), and a fourth sends a rebuild trigger through the {@code
 * ProjectionService} to the schedule registered under one name. Needs PostgreSQL ({@code
 * FABULA_POSTGRES_URL}); skipped without it unless {@code FABULA_REQUIRE_BACKENDS=true}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrossProcessProjectionTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int EVENTS = 500;
  private final List<JvmProcess> children = new ArrayList<>();
  private String pgUrl;
  private String schema;
  private String prefix;

  @BeforeEach
  void isolate() throws SQLException {
    TestNats.requireServer();
    pgUrl = System.getenv("FABULA_POSTGRES_URL");
    if (pgUrl == null) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError("FABULA_REQUIRE_BACKENDS=true but FABULA_POSTGRES_URL is not set");
      }
      assumeTrue(false, "FABULA_POSTGRES_URL is not set: no PostgreSQL to share between processes");
    }
    schema = "xproc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    sql("CREATE SCHEMA " + schema);
    prefix = TestNats.isolated("xproj").build().subjectPrefix();
  }

  @AfterEach
  void cleanUp() throws SQLException {
    children.forEach(JvmProcess::close);
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
    JvmProcess p = JvmProcess.start(name, main, args.toArray(String[]::new));
    children.add(p);
    return p;
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
    a.awaitLine("ready", WAIT);
    JvmProcess b = start("catalog-b", CatalogProcess.class, "name=catalog-b", "mode=run");
    b.awaitLine("ready", WAIT);
    start("appender", AppenderProcess.class, "count=" + EVENTS, "aggregates=7").awaitLine("done", WAIT);

    String all = "applied " + EVENTS + " ";
    a.await("every event applied", l -> l.startsWith(all), 1, WAIT);
    b.await("every event applied", l -> l.startsWith(all), 1, WAIT);
    JvmProcess rebuild = start("rebuild", CatalogProcess.class, "name=-", "mode=rebuild");
    rebuild.await("the rebuilt model", l -> l.startsWith("model "), 1, WAIT);
    String rebuilt = rebuild.lines("model").getFirst();
    assertThat(rebuilt).startsWith(EVENTS + " ");
    String expected = rebuilt.substring(String.valueOf(EVENTS).length() + 1);
    assertThat(finalModel(a)).as("catalog-a").isEqualTo(expected);
    assertThat(finalModel(b)).as("catalog-b").isEqualTo(expected);
    assertThat(a.lines("error")).isEmpty();
    assertThat(b.lines("error")).isEmpty();

    // A rebuild of "catalog-a", asked for by another process: a resets and applies everything
    // again; b, which registered its schedule under another name, does nothing.
    start("trigger", TriggerProcess.class, "name=catalog-a").awaitLine("triggered", WAIT);
    a.await("the rebuild", l -> l.startsWith(all), 2, WAIT);
    assertThat(a.lines()).contains("reset");
    assertThat(finalModel(a)).as("catalog-a after its rebuild").isEqualTo(expected);
    assertThat(b.lines()).as("catalog-b, not named by the trigger").doesNotContain("reset");
    assertThat(b.lines("applied")).as("catalog-b applied each event once").hasSize(EVENTS);
  }
}
