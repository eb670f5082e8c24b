package dev.fabula.examples.shop;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * What the one-JVM shop ({@link ShopExample}) and the shop in three processes ({@link
 * ShopProcesses}) share about their PostgreSQL storage: the product events' codec registry, the
 * event store in a schema of its own, and a clean start in that schema (which the order example
 * uses too).
 */
public final class ShopStorage {
  private ShopStorage() {}

  /** Registers the product events, as an event store or a networked event bus needs them. */
  static CodecRegistry.Builder registerEvents(CodecRegistry.Builder registry) {
    return registry
        .register(ProductEvents.CREATED, ProductEvents.ProductCreated.class)
        .register(ProductEvents.PRICE_CHANGED, ProductEvents.PriceChanged.class)
        .register(ProductEvents.RENAMED, ProductEvents.ProductRenamed.class);
  }

  /** The product events' store in {@code schema}: its table is created now when missing. */
  static EventStore postgresStore(DataSource pool, String schema) {
    return Postgres.eventStore(pool, JacksonCodec.create(registerEvents(CodecRegistry.builder()).build()),
        PostgresOptions.builder().schema(schema).build());
  }

  /** Drops what an earlier run left in {@code schema}, and says so. */
  public static void startClean(DataSource pool, String schema, PrintStream out) throws SQLException {
    if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("schema must be a lower-case SQL identifier, got '" + schema + "'");
    }
    try (Connection c = pool.getConnection()) {
      boolean existed;
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
        ps.setString(1, schema);
        try (ResultSet rs = ps.executeQuery()) {
          existed = rs.next();
        }
      }
      if (existed) {
        try (Statement s = c.createStatement()) {
          s.execute("DROP SCHEMA " + schema + " CASCADE"); // validated above
        }
        out.println("Dropped schema " + schema + " with the events of an earlier run: starting clean.");
      } else {
        out.println("Schema " + schema + " does not exist yet: starting clean.");
      }
    }
  }
}
