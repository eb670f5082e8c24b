package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store-URL commands on PostgreSQL ({@code FABULA_POSTGRES_URL}), a fresh schema per place;
 * never skipped when {@code FABULA_REQUIRE_BACKENDS=true}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PostgresCommandsTest extends StoreUrlCommandsTest {
  private static final String URL = Postgres.urlFromEnvironment();
  private static final List<String> SCHEMAS = new ArrayList<>();
  private static HikariDataSource admin;

  @BeforeAll
  static void connect() {
    try {
      admin = Postgres.dataSource(URL);
    } catch (RuntimeException e) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw e;
      }
      Assumptions.abort("no PostgreSQL at " + Postgres.URL_VARIABLE + ": " + e.getMessage());
    }
  }

  @AfterAll
  static void dropSchemas() throws SQLException {
    if (admin == null) {
      return;
    }
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      for (String schema : SCHEMAS) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    } finally {
      admin.close();
    }
  }

  @Override
  String newPlace() {
    String schema = "cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    SCHEMAS.add(schema);
    return schema;
  }

  @Override
  List<String> storeArgs(String place) {
    return List.of("--store", URL, "--schema", place);
  }

  @Override
  EventStore open(String place, Codec codec) {
    return Postgres.eventStore(admin, codec, PostgresOptions.builder().schema(place).build());
  }

  @Override
  String unreachableUrl() {
    return "jdbc:postgresql://127.0.0.1:1/fabula?user=nobody";
  }

  @Test
  void mongoOptionsDoNotApplyToPostgres() {
    Cli.Run run = Cli.run("export", "--store", URL, "--database", "x");
    assertThat(run.code()).isEqualTo(Exit.USAGE);
    assertThat(run.err()).contains("--database does not apply");
  }
}
