package dev.fabula.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.postgres.Postgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The order example, in memory and on PostgreSQL ({@code FABULA_POSTGRES_URL} or the local server;
 * skipped where none answers, unless {@code FABULA_REQUIRE_BACKENDS=true}): the paid order
 * completes, the declined one and the unpaid one are compensated by releasing their stock.
 */
@Timeout(120)
class OrderExampleTest {
  private static final Duration WINDOW = Duration.ofSeconds(3);

  @Test
  void inMemoryThePaidOrderCompletesAndTheOthersReleaseTheirStock() throws Exception {
    assertOutcome(run(null, OrderExample.SCHEMA));
  }

  @Test
  void onPostgresTheSame() throws Exception {
    HikariDataSource pool;
    try {
      pool = Postgres.dataSource(Postgres.urlFromEnvironment());
    } catch (RuntimeException e) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw e;
      }
      assumeTrue(false, "no PostgreSQL server: " + e.getMessage());
      return;
    }
    String schema = "orders_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (pool) {
      try {
        String output = run(pool, schema);
        assertOutcome(output);
        assertThat(output).contains("PostgreSQL store").contains("stay in schema " + schema);
      } finally {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
          s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
      }
    }
  }

  @Test
  void theReadmeRunsItWithTheExampleProfile() throws Exception {
    assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md")))
        .contains("\n./mvnw -q -Pexample -Dexample.main=" + OrderExample.class.getName()
            + " -pl fabula-examples -am package\n");
  }

  private static void assertOutcome(String output) {
    assertThat(output)
        .contains("stock     reserved 1 x mouse for o-1")
        .contains("payment   requested 2999 cents for o-1")
        .contains("workflow  o-1 COMPLETED (paid)")
        .contains("stock     released 1 x keyboard of o-2")
        .contains("workflow  o-2 COMPENSATED (payment failed: card declined)")
        .contains("stock     released 2 x mouse pad of o-3")
        .contains("workflow  o-3 COMPENSATED (not paid within PT3S)");
    assertThat(output.lines().filter(l -> l.startsWith("stock     released"))).hasSize(2);
  }

  private static String run(@Nullable DataSource pool, String schema) throws Exception {
    var buffer = new ByteArrayOutputStream();
    OrderExample.run(new PrintStream(buffer, true, StandardCharsets.UTF_8), pool, schema, WINDOW);
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
