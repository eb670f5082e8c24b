package dev.fabula.cli;

import com.mongodb.client.MongoClient;
import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codecs;
import dev.fabula.event.EventStore;
import dev.fabula.mongodb.MongoConnectionException;
import dev.fabula.mongodb.MongoDb;
import dev.fabula.mongodb.MongoOptions;
import dev.fabula.postgres.HorizonHolder;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresConnectionException;
import dev.fabula.postgres.PostgresOptions;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --store} and the backends' naming options: a store opened by URL, read and written
 * through {@link Codecs#raw()}, so no application type is needed or ever instantiated.
 */
final class StoreOption {
  @Option(names = "--store", required = true, paramLabel = "URL",
      description = "jdbc:postgresql://host:port/db?user=..&password=.. or mongodb://host:port")
  String url = "";

  @Option(names = "--schema", paramLabel = "NAME", description = "PostgreSQL: the schema of the events table.")
  @Nullable String schema;

  @Option(names = "--table", paramLabel = "NAME", description = "PostgreSQL: the events table (default: the store's).")
  @Nullable String table;

  @Option(names = "--database", paramLabel = "NAME", description = "MongoDB: the database (default: the store's).")
  @Nullable String database;

  @Option(names = "--collection", paramLabel = "NAME", description = "MongoDB: the events collection (default: the store's).")
  @Nullable String collection;

  /**
   * An open store, what must be closed with it, and (on PostgreSQL) what describes the oldest open
   * write transaction, which holds the store's safe horizon back.
   */
  record Opened(EventStore store, Runnable closeResource, @Nullable Supplier<Optional<String>> horizonHolder)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        store.close();
      } finally {
        closeResource.run();
      }
    }
  }

  Opened open() {
    if (url.startsWith("jdbc:postgresql:")) {
      refuse("--database", database);
      refuse("--collection", collection);
      PostgresOptions options = build(() -> {
        PostgresOptions.Builder b = PostgresOptions.builder();
        if (schema != null) {
          b.schema(schema);
        }
        if (table != null) {
          b.eventsTable(table);
        }
        return b.build();
      });
      HikariDataSource ds = connect(() -> Postgres.dataSource(url));
      return new Opened(Postgres.eventStore(ds, Codecs.raw(), options), ds::close,
          () -> Postgres.horizonHolder(ds).map(HorizonHolder::describe));
    }
    if (url.startsWith("mongodb://") || url.startsWith("mongodb+srv://")) {
      refuse("--schema", schema);
      refuse("--table", table);
      MongoOptions built = build(() -> {
        MongoOptions.Builder b = MongoOptions.builder();
        if (database != null) {
          b.database(database);
        }
        if (collection != null) {
          b.eventsCollection(collection);
        }
        return b.build();
      });
      MongoClient client = connect(() -> MongoDb.client(url));
      return new Opened(MongoDb.eventStore(client, Codecs.raw(), built), client::close, null);
    }
    throw new CliException(Exit.USAGE, "--store must be a jdbc:postgresql: or mongodb:// URL (an in-memory store has"
        + " none: reach it through its application's --console)");
  }

  private static void refuse(String option, @Nullable String value) {
    if (value != null) {
      throw new CliException(Exit.USAGE, option + " does not apply to this kind of store");
    }
  }

  private static <T> T build(java.util.function.Supplier<T> options) {
    try {
      return options.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CliException(Exit.USAGE, e.getMessage(), e);
    }
  }

  private static <T> T connect(java.util.function.Supplier<T> connect) {
    try {
      return connect.get();
    } catch (PostgresConnectionException | MongoConnectionException e) {
      throw new CliException(Exit.UNAVAILABLE, e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new CliException(Exit.USAGE, e.getMessage(), e);
    }
  }
}
