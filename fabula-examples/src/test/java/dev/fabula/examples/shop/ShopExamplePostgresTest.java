package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.postgres.Postgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example on PostgreSQL ({@code FABULA_POSTGRES_URL} or the local server), run twice in one
 * schema: the second run must start clean instead of adding to the first run's catalog. Skipped
 * where no server answers, unless {@code FABULA_REQUIRE_BACKENDS=true} (CI).
 */
class ShopExamplePostgresTest {
  private static final String SCHEMA = "shop_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static HikariDataSource pool;

  @BeforeAll
  static void connect() {
    try {
      pool = Postgres.dataSource(Postgres.urlFromEnvironment());
    } catch (RuntimeException e) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw e;
      }
      assumeTrue(false, "no PostgreSQL server: " + e.getMessage());
    }
  }

  @AfterAll
  static void dropSchema() throws Exception {
    if (pool != null) {
      try (HikariDataSource p = pool; Connection c = p.getConnection(); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      }
    }
  }

  @Test
  void everyRunStartsCleanAndSaysSo() throws Exception {
    String first = runOnce();
    assertThat(first)
        .contains("Schema " + SCHEMA + " does not exist yet: starting clean.")
        .contains("Shop statistics: 2 product(s), average price EUR 17.49, 1 price change(s), 1 rename(s)");

    String second = runOnce();
    assertThat(second)
        .contains("Dropped schema " + SCHEMA + " with the events of an earlier run: starting clean.")
        .contains("Shop statistics: 2 product(s), average price EUR 17.49, 1 price change(s), 1 rename(s)")
        .contains("The events stay in schema " + SCHEMA)
        .contains("price history [EUR 29.99, EUR 24.99], version 3");
    assertThat(second.lines().filter(l -> l.startsWith("  Mouse Pad ")))
        .as("catalog lines for the mouse pad").hasSize(1);
  }

  private static String runOnce() throws Exception {
    var buffer = new ByteArrayOutputStream();
    ShopExample.run(new PrintStream(buffer, true, StandardCharsets.UTF_8), new ShopBackend.Postgresql(pool, SCHEMA));
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
