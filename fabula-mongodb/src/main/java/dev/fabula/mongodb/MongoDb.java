package dev.fabula.mongodb;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * Entry point of the MongoDB backend: a client from a connection string, and the stores on a
 * {@link MongoClient}.
 *
 * <pre>{@code
 * try (MongoClient client = MongoDb.client(MongoDb.urlFromEnvironment());
 *     EventStore store = MongoDb.eventStore(client, JacksonCodec.create(registry))) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Stores create their indexes on first use (or check them, see {@link MongoOptions}). They do
 * not close a client they were given. No replica set is needed; see ADR 0019 for the layout.
 */
public final class MongoDb {
  /** The environment variable holding the connection string, read by {@link #urlFromEnvironment()}. */
  public static final String URL_VARIABLE = "FABULA_MONGO_URL";

  /** The local server: the connection string used when the variable is not set. */
  public static final String DEFAULT_URL = "mongodb://127.0.0.1:27017";

  /** How long finding a server and opening a connection may take by default. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private MongoDb() {}

  /** {@code FABULA_MONGO_URL} when set and not blank, else {@link #DEFAULT_URL}. */
  public static String urlFromEnvironment() {
    String url = System.getenv(URL_VARIABLE);
    return url == null || url.isBlank() ? DEFAULT_URL : url;
  }

  /** A client for {@code url} with {@link #DEFAULT_CONNECT_TIMEOUT}; see {@link #client(String, Duration)}. */
  public static MongoClient client(String url) {
    return client(url, DEFAULT_CONNECT_TIMEOUT);
  }

  /**
   * A client for {@code url} that waits at most {@code connectTimeout} to find a server and to
   * open a connection, and that has checked, before it is returned, that the server answers (a
   * {@code ping}). Close it when done.
   *
   * @throws MongoConnectionException when no server answered within {@code connectTimeout}, or
   *     the server refused the login; the message names the servers and never shows a password
   * @throws IllegalArgumentException when {@code url} is not a MongoDB connection string; the
   *     message shows it with its password masked
   */
  public static MongoClient client(String url, Duration connectTimeout) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connect timeout must be positive, got " + connectTimeout);
    }
    ConnectionString parsed;
    try {
      parsed = new ConnectionString(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a MongoDB connection string (mongodb://host:port/...): " + MongoUrls.mask(url) + ": "
              + MongoUrls.mask(String.valueOf(e.getMessage())));
    }
    long millis = Math.max(1, connectTimeout.toMillis());
    MongoClientSettings settings =
        MongoClientSettings.builder()
            .applyConnectionString(parsed)
            .applyToClusterSettings(b -> b.serverSelectionTimeout(millis, TimeUnit.MILLISECONDS))
            .applyToSocketSettings(b -> b.connectTimeout((int) Math.min(Integer.MAX_VALUE, millis), TimeUnit.MILLISECONDS))
            .build();
    MongoClient client = MongoClients.create(settings);
    String servers = String.join(",", parsed.getHosts());
    try {
      client.getDatabase("admin").runCommand(new Document("ping", 1));
      return client;
    } catch (MongoTimeoutException e) {
      client.close();
      throw new MongoConnectionException(servers, "no MongoDB server answered within " + connectTimeout, e);
    } catch (MongoSecurityException e) {
      client.close();
      throw new MongoConnectionException(servers, "MongoDB refused the login", e);
    } catch (MongoException e) {
      client.close();
      throw new MongoConnectionException(servers, "MongoDB did not answer a ping", e);
    } catch (RuntimeException | Error e) {
      client.close();
      throw e;
    }
  }

  /**
   * The event store on {@code client} with {@link MongoOptions#defaults()}; see {@link
   * #eventStore(MongoClient, Codec, MongoOptions)}.
   */
  public static EventStore eventStore(MongoClient client, Codec codec) {
    return eventStore(client, codec, MongoOptions.defaults());
  }

  /**
   * The event store in collection {@link MongoOptions#eventsCollection()} of database {@link
   * MongoOptions#database()}: one document per inserted batch (atomic without a replica set),
   * event ids and aggregate versions unique by the server's indexes, positions that a reader
   * following the store never sees out of order or twice (ADR 0019). Indexes are created or
   * checked on first use, as {@link MongoOptions#indexPolicy()} says. The store does not close
   * {@code client}; once the client is closed, the store's methods fail with a {@link
   * dev.fabula.ClosedException}.
   */
  public static EventStore eventStore(MongoClient client, Codec codec, MongoOptions options) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(options, "options");
    return new MongoEventStore(client, codec, options);
  }
}
