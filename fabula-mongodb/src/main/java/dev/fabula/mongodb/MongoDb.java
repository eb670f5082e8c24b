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
import dev.fabula.projection.ProgressStore;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.StoredReadModels;
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

  /**
   * How long {@link #client} waits for any one answer of the server on an open connection, unless
   * the connection string sets {@code socketTimeoutMS}: a server that accepts connections but
   * stops answering fails the operation with a {@link MongoConnectionException} after this long
   * instead of hanging it. Generous, since it bounds every single round trip, an index build on
   * a large collection included. (The driver's {@code timeoutMS}, which bounds whole operations,
   * is not stable API in driver 5.x, so it is not set.)
   */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

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
   * open a connection, at most {@link #DEFAULT_READ_TIMEOUT} (or the connection string's {@code
   * socketTimeoutMS}) for each answer on an open connection, and that has checked, before it is
   * returned, that the server answers (a {@code ping}). Close it when done.
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
    Integer socketTimeout = parsed.getSocketTimeout();
    long readMillis = socketTimeout != null ? socketTimeout : DEFAULT_READ_TIMEOUT.toMillis();
    MongoClientSettings settings =
        MongoClientSettings.builder()
            .applyConnectionString(parsed)
            .applyToClusterSettings(b -> b.serverSelectionTimeout(millis, TimeUnit.MILLISECONDS))
            .applyToSocketSettings(b -> b
                .connectTimeout((int) Math.min(Integer.MAX_VALUE, millis), TimeUnit.MILLISECONDS)
                .readTimeout(readMillis, TimeUnit.MILLISECONDS))
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

  /** A snapshot store in {@link MongoOptions#defaults()}; see {@link #snapshotStore(MongoClient, Codec, MongoOptions)}. */
  public static SnapshotStore snapshotStore(MongoClient client, Codec codec) {
    return snapshotStore(client, codec, MongoOptions.defaults());
  }

  /**
   * A snapshot store keeping one document per aggregate and version in {@link
   * MongoOptions#snapshotsCollection()}, states encoded by {@code codec}, times to the
   * nanosecond. Creates its index now (or checks it under {@link MongoOptions.IndexPolicy#VALIDATE}).
   * Closing the store does not close {@code client}.
   *
   * @throws MongoSchemaException when the index is missing under VALIDATE or exists with other
   *     keys or options; the message gives the command that creates it
   * @throws MongoConnectionException when the server cannot be reached
   */
  public static SnapshotStore snapshotStore(MongoClient client, Codec codec, MongoOptions options) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(options, "options");
    return new MongoSnapshotStore(client, codec, options);
  }

  /** A progress store in {@link MongoOptions#defaults()}; see {@link #progressStore(MongoClient, MongoOptions)}. */
  public static ProgressStore progressStore(MongoClient client) {
    return progressStore(client, MongoOptions.defaults());
  }

  /**
   * A progress store keeping one document per projection in {@link
   * MongoOptions#progressCollection()}. Its {@code advance} is one atomic conditional write (a
   * compare-and-set), so concurrent runners of a projection in any number of processes never
   * both move it a step; no replica set is needed. Closing the store does not close {@code client}.
   */
  public static ProgressStore progressStore(MongoClient client, MongoOptions options) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(options, "options");
    return new MongoProgressStore(client, options);
  }

  /**
   * A read-model repository in {@link MongoOptions#defaults()}'s database; see {@link
   * #readModels(MongoClient, Codec, ReadModelOptions, MongoOptions)}.
   */
  public static <K, M> ReadModelRepository<K, M> readModels(
      MongoClient client, Codec codec, ReadModelOptions<K, M> readModels) {
    return readModels(client, codec, readModels, MongoOptions.defaults());
  }

  /**
   * A read-model repository keeping {@code readModels}' models in the collection named {@link
   * ReadModelOptions#name()} of {@link MongoOptions#database()}, one document per model: {@code
   * {_id: id.toString(), r: revision, c: codec revision, d: the codec's JSON}}. {@code use} is
   * safe across processes: each write is one conditional single-document write on the revision.
   *
   * @throws MongoNameException when MongoDB does not allow the name for a collection
   * @throws IllegalArgumentException when {@code options} give that collection to another store,
   *     or the codec registers the name with another type than {@link ReadModelOptions#type()}
   * @throws dev.fabula.codec.UnknownNameException when the codec does not know the name
   */
  public static <K, M> ReadModelRepository<K, M> readModels(
      MongoClient client, Codec codec, ReadModelOptions<K, M> readModels, MongoOptions options) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(readModels, "readModels");
    Objects.requireNonNull(options, "options");
    return StoredReadModels.repository(readModels, new MongoReadModelStorage<>(client, codec, readModels, options));
  }
}
