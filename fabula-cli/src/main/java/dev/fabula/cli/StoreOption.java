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
import dev.fabula.projection.ProgressStore;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --store} and the backends' naming options: a store opened by URL, read and written
 * through {@link Codecs#raw()}, so no application type is needed or ever instantiated.
 */
final class StoreOption {
  /** A store's name on {@code fabula console}: a plain path segment, as the console takes. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  @Option(names = "--store", required = true, paramLabel = "URL",
      description = "jdbc:postgresql://host:port/db?user=..&password=.. or mongodb://host:port"
          + " (fabula console: [NAME=]URL, repeatable)")
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
   * An open store, what must be closed with it, (on PostgreSQL) what describes the oldest open
   * write transaction, which holds the store's safe horizon back, and the positions of the
   * projections whose progress the store keeps.
   */
  record Opened(
      EventStore store,
      Runnable closeResource,
      @Nullable Supplier<Optional<String>> horizonHolder,
      Supplier<Map<String, Long>> storedProgress)
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

  /**
   * The name given as {@code NAME=URL} (1 to 64 letters, digits, {@code .}, {@code _}, {@code -}),
   * or {@code null}: only {@code fabula console} takes one (several stores in one console).
   */
  @Nullable String givenName() {
    int eq = url.indexOf('=');
    if (eq <= 0 || url.startsWith("jdbc:") || url.startsWith("mongodb")) {
      return null;
    }
    String name = url.substring(0, eq);
    // anything else before '=' is no name, and the URL is refused as a URL
    return NAME.matcher(name).matches() ? name : null;
  }

  /**
   * The store's name in a console over several: the given one, else the PostgreSQL schema or the
   * MongoDB database (option, else the URL's database), made a plain path segment.
   */
  String name() {
    String given = givenName();
    if (given != null) {
      return given;
    }
    String where = storeUrl();
    String derived;
    if (where.startsWith("jdbc:postgresql:")) {
      derived = schema != null ? schema : database(where.substring("jdbc:postgresql:".length()), "postgres");
    } else {
      derived = database != null ? database : database(where.substring(where.indexOf(':') + 1), "mongodb");
    }
    String plain = derived.replaceAll("[^A-Za-z0-9._-]", "-");
    if (plain.isEmpty() || !Character.isLetterOrDigit(plain.charAt(0))) {
      plain = "store" + plain;
    }
    return plain.length() > 64 ? plain.substring(0, 64) : plain;
  }

  /** The database of {@code //host:port/db?...}, or {@code otherwise}. */
  private static String database(String rest, String otherwise) {
    if (!rest.startsWith("//")) {
      return otherwise;
    }
    int slash = rest.indexOf('/', 2);
    if (slash < 0) {
      return otherwise;
    }
    String db = rest.substring(slash + 1);
    int query = db.indexOf('?');
    db = query < 0 ? db : db.substring(0, query);
    return db.isEmpty() ? otherwise : db;
  }

  private String storeUrl() {
    return givenName() == null ? url : url.substring(url.indexOf('=') + 1);
  }

  /** Opens the store; a {@code NAME=} before the URL is bad usage here (only the console takes it). */
  Opened open() {
    if (givenName() != null) {
      throw new CliException(Exit.USAGE, "--store " + url + ": a store's name (NAME=URL) applies only to fabula console");
    }
    return openNamed();
  }

  /** Opens the store, whether or not its URL has a name before it. */
  Opened openNamed() {
    String url = storeUrl();
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
      EventStore store;
      try {
        store = Postgres.eventStore(ds, Codecs.raw(), options);
      } catch (RuntimeException e) {
        ds.close();
        throw e;
      }
      return new Opened(store, ds::close,
          () -> Postgres.horizonHolder(ds).map(HorizonHolder::describe), new PgStoredProgress(ds, options));
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
      EventStore store;
      ProgressStore progress;
      try {
        store = MongoDb.eventStore(client, Codecs.raw(), built);
        // creates nothing: a database without progress lists none
        progress = MongoDb.progressStore(client, built);
      } catch (RuntimeException e) {
        client.close();
        throw e;
      }
      return new Opened(store, () -> {
        progress.close();
        client.close();
      }, null, progress::positions);
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
