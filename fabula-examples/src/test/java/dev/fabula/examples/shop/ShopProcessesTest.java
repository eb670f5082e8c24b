package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.postgres.Postgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shop in three processes, for real: the launcher starts three JVMs against NATS ({@code
 * FABULA_NATS_URL}, default the local server) and PostgreSQL ({@code FABULA_POSTGRES_URL}), in a
 * schema of this test's own. Skipped where a server does not answer, unless {@code
 * FABULA_REQUIRE_BACKENDS=true} (CI).
 */
class ShopProcessesTest {
  private static final String SCHEMA =
      "shop_processes_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

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
  void aMissingNatsServerIsExplainedWithHowToStartOne() {
    Optional<String> missing = ShopProcesses.missingBackend("nats://127.0.0.1:1", Postgres.urlFromEnvironment());

    assertThat(missing).hasValueSatisfying(message -> assertThat(message)
        .contains("NATS does not answer at nats://127.0.0.1:1")
        .contains("Start one with `nats-server`")
        .contains("FABULA_NATS_URL"));
  }
}
