package dev.fabula.examples.shop;

import com.mongodb.client.MongoClient;
import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.examples.shop.ProductPages.Page;
import dev.fabula.memory.InMemory;
import dev.fabula.mongodb.MongoDb;
import dev.fabula.mongodb.MongoOptions;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.readmodel.ReadModelRepository;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Where the one-JVM shop ({@link ShopExample}) keeps its events and its product pages: in memory,
 * in a PostgreSQL schema, or in a MongoDB database, each of which the example owns and empties at
 * the start of a run.
 */
sealed interface ShopBackend {
  /** What the example prints about where it runs. */
  String label();

  /** Empties what an earlier run left, and says so (nothing to do in memory). */
  void startClean(PrintStream out) throws Exception;

  /** The product events' store. */
  EventStore eventStore(Codec codec);

  /** The product pages' repository. */
  ReadModelRepository<UUID, Page> pages(Codec codec);

  /** What stays behind after the run, for the reader to look at, or an empty string. */
  String leftBehind();

  /** Everything in this JVM's memory. */
  record Memory() implements ShopBackend {
    @Override
    public String label() {
      return "in-memory";
    }

    @Override
    public void startClean(PrintStream out) {}

    @Override
    public EventStore eventStore(Codec codec) {
      return InMemory.eventStore();
    }

    @Override
    public ReadModelRepository<UUID, Page> pages(Codec codec) {
      return InMemory.readModels(ProductPages.OPTIONS);
    }

    @Override
    public String leftBehind() {
      return "";
    }
  }

  /** Events and pages in PostgreSQL schema {@code schema} (dropped at the start of a run). */
  record Postgresql(DataSource pool, String schema) implements ShopBackend {
    @Override
    public String label() {
      return "PostgreSQL";
    }

    @Override
    public void startClean(PrintStream out) throws Exception {
      ShopStorage.startClean(pool, schema, out);
    }

    @Override
    public EventStore eventStore(Codec codec) {
      return Postgres.eventStore(pool, codec, options());
    }

    @Override
    public ReadModelRepository<UUID, Page> pages(Codec codec) {
      return Postgres.readModels(pool, codec, ProductPages.OPTIONS, options());
    }

    private PostgresOptions options() {
      return PostgresOptions.builder().schema(schema).build();
    }

    @Override
    public String leftBehind() {
      return "The events stay in schema " + schema + " (table fabula_events, the pages in fabula_read_models)"
          + " until the next run, which drops the schema and starts clean.";
    }
  }

  /** Events and pages in MongoDB database {@code database} (dropped at the start of a run). */
  record Mongo(MongoClient client, String database) implements ShopBackend {
    @Override
    public String label() {
      return "MongoDB";
    }

    @Override
    public void startClean(PrintStream out) {
      boolean existed = client.listDatabaseNames().into(new ArrayList<>()).contains(database);
      client.getDatabase(database).drop();
      out.println(existed
          ? "Dropped database " + database + " with the events of an earlier run: starting clean."
          : "Database " + database + " does not exist yet: starting clean.");
    }

    @Override
    public EventStore eventStore(Codec codec) {
      return MongoDb.eventStore(client, codec, options());
    }

    @Override
    public ReadModelRepository<UUID, Page> pages(Codec codec) {
      return MongoDb.readModels(client, codec, ProductPages.OPTIONS, options());
    }

    private MongoOptions options() {
      return MongoOptions.builder().database(database).build();
    }

    @Override
    public String leftBehind() {
      return "The events stay in database " + database + " (collection fabula_events, the pages in "
          + ProductPages.NAME + ") until the next run, which drops the database and starts clean.";
    }
  }

  /**
   * The backend {@code FABULA_STORE} names: {@code memory} (or unset), {@code postgres} or {@code
   * mongodb}.
   *
   * @throws IllegalArgumentException naming the accepted values when it names another
   */
  static String kind(@Nullable String variable) {
    String kind = variable == null || variable.isBlank() ? "memory" : variable.trim().toLowerCase(Locale.ROOT);
    if (!kind.equals("memory") && !kind.equals("postgres") && !kind.equals("mongodb")) {
      throw new IllegalArgumentException(
          "FABULA_STORE must be memory, postgres or mongodb, not '" + variable + "'");
    }
    return kind;
  }
}
