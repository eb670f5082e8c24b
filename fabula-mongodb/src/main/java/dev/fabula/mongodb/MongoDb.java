package dev.fabula.mongodb;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
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
}
