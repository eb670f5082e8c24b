package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.EventBus;
import dev.fabula.nats.Nats;
import dev.fabula.nats.NatsOptions;
import dev.fabula.postgres.Postgres;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shop in three processes, for real: the launcher starts three JVMs against NATS ({@code
 * FABULA_NATS_URL}, default the local server) and PostgreSQL ({@code FABULA_POSTGRES_URL}), in a
 * schema of this test's own; and one role as run by hand. Skipped where a server does not answer,
 * unless {@code FABULA_REQUIRE_BACKENDS=true} (CI); {@link ShopProcessesWithoutServersTest} has
 * what needs no server.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ShopProcessesTest {
  private static final String SCHEMA =
      "shop_processes_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static final String BY_HAND = SCHEMA + "_by_hand";

  @BeforeAll
  static void serversAnswer() {
    Optional<String> missing = ShopProcesses.missingBackend(ShopProcess.natsUrl(), Postgres.urlFromEnvironment());
    if (missing.isPresent()) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        fail(missing.get());
      }
      assumeTrue(false, missing.get());
    }
  }

  @AfterAll
  static void dropSchema() throws Exception {
    try (HikariDataSource pool = Postgres.dataSource(Postgres.urlFromEnvironment());
        Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      s.execute("DROP SCHEMA IF EXISTS " + BY_HAND + " CASCADE");
    }
  }

  @Test
  void threeProcessesRunTheShopAndEachEnds() throws Exception {
    var buffer = new ByteArrayOutputStream();
    int exitCode = ShopProcesses.run(new PrintStream(buffer, true, StandardCharsets.UTF_8), SCHEMA);
    String printed = buffer.toString(StandardCharsets.UTF_8);

    assertThat(exitCode).as("exit code; it printed:%n%s", printed).isZero();
    assertThat(printed)
        .contains("Schema " + SCHEMA + " does not exist yet: starting clean.")
        // every command's outcome, as the client got it
        .contains("[client  ] product.create        CreateProduct[name=Wireless Mouse, priceCents=2999]: done")
        .contains("[client  ] product.change-price  ChangePrice[newPriceCents=2499]: done")
        .contains("[client  ] product.rename        RenameProduct[newName=Wireless Mouse M2]: done")
        .contains("[client  ] product.change-price  ChangePrice[newPriceCents=-100]:"
            + " rejected [product.rule-broken] a price must be positive, got -100 cents")
        .contains("[client  ] product.create        CreateProduct[name=Mouse Pad, priceCents=999]: done")
        // ... and as the commands process ran them
        .containsPattern("\\[commands\\] executed product.change-price for product [0-9a-f-]{36}:"
            + " rejected \\[product.rule-broken\\]")
        .contains("[catalog ] answered query ");
    // The catalog the client got in answer to its query, after it printed the answer's position.
    String answer = printed.substring(printed.indexOf("[client  ] shop.catalog: answered at position"));
    assertThat(answer)
        .contains("[client  ]   Mouse Pad            EUR 9.99")
        .contains("[client  ]   Wireless Mouse M2    EUR 24.99")
        .contains("[client  ] Shop statistics: 2 product(s), average price EUR 17.49, 1 price change(s), 1 rename(s)");
    // Each process ended: the client by itself, the two servers on request, each with its summary.
    assertThat(printed)
        .containsPattern("\ncommands stopped on request \\(exit code \\d+\\); executed 5 command\\(s\\), 1 rejected")
        .containsPattern("\ncatalog  stopped on request \\(exit code \\d+\\); applied events up to position \\d+,"
            + " 2 product\\(s\\), answered 1 query")
        .contains("\nclient   ended with exit code 0; dispatched 5 command(s): 4 done, 1 rejected as expected,"
            + " 0 unexpected outcome(s); the catalog answered with 2 product(s)")
        .contains("All three processes did their part")
        .doesNotContain("Exception");
    // What the README shows of the client is what it prints (but positions, which vary).
    List<String> shown = Files.readAllLines(Path.of("..", "README.md")).stream()
        .filter(l -> l.startsWith("[client  ]") || l.startsWith("client   ended"))
        .filter(l -> !l.contains(" position "))
        .toList();
    assertThat(shown).hasSizeGreaterThan(5);
    assertThat(printed.lines().toList()).containsAll(shown);
  }

  @Test
  void aServerRunByHandKeepsServingWhenItsInputEnds() throws Exception {
    String prefix = "fabula-test.shop." + UUID.randomUUID().toString().substring(0, 8);
    String java = ProcessHandle.current().info().command().orElse("java");
    String classPath = ShopProcesses.childClassPath(System.getProperty("jdk.module.path"), System.getProperty("java.class.path"));
    // As under nohup or systemd: the input ends at once, and without the launcher's option the role
    // must not take that for a request to stop.
    Process role = new ProcessBuilder(java, "-cp", classPath, ShopProcess.class.getName(), "commands", BY_HAND, prefix)
        .redirectErrorStream(true)
        .start();
    try {
      role.getOutputStream().close();
      var lines = new LinkedBlockingQueue<String>();
      Thread.ofVirtual().start(() -> {
        try (var in = new BufferedReader(new InputStreamReader(role.getInputStream(), StandardCharsets.UTF_8))) {
          in.lines().forEach(lines::add);
        } catch (IOException | UncheckedIOException e) {
          lines.add("(reading the role's output failed: " + e + ")");
        }
      });
      awaitLine(lines, ShopProcess.READY);

      // It still handles commands after its input ended...
      NatsOptions nats = NatsOptions.builder().url(ShopProcess.natsUrl()).subjectPrefix(prefix).build();
      try (EventBus bus = Nats.eventBus(ShopProcess.codec(), nats);
          CommandBus commands = CommandBuses.distributed(bus, ShopProcess.codec())) {
        ShopScript.Step create = ShopScript.STEPS.get(0);
        ShopScript.send(commands, UUID.randomUUID(), create.name(), create.payload());
      }
      assertThat(role.isAlive()).as("the role runs").isTrue();
      // ... and stops on SIGTERM, with its summary.
      role.toHandle().destroy();
      String summary = awaitLine(lines, ShopProcess.SUMMARY);
      assertThat(summary).isEqualTo(ShopProcess.SUMMARY + "executed 1 command(s), 0 rejected");
      assertThat(role.waitFor(30, TimeUnit.SECONDS)).as("the role ended").isTrue();
    } finally {
      role.destroyForcibly();
    }
  }

  /** The first line from {@code lines} that starts with {@code prefix}, within a minute. */
  private static String awaitLine(BlockingQueue<String> lines, String prefix) throws InterruptedException {
    var seen = new ArrayList<String>();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      String line = lines.poll(left, TimeUnit.NANOSECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
      if (line != null) {
        seen.add(line);
      }
    }
    throw new AssertionError("no line starting with '" + prefix + "' within a minute; the role printed:\n"
        + String.join("\n", seen));
  }
}
