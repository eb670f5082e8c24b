package dev.fabula.mongodb;

import com.mongodb.client.MongoClient;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.UUID;

/**
 * The MongoDB the tests use: a real server when {@code FABULA_MONGO_URL} is set, else one
 * in-process wire-protocol server (mongo-java-server, memory backend) for the whole test JVM,
 * started on first use. Each test asks for a database of its own, so tests never see each
 * other's documents.
 *
 * <p>The in-process server has no sessions, transactions or replica set and differs from MongoDB
 * in places (see the module's README); tests of what only a real server can show call {@link
 * #requireRealServer()} first.
 */
final class TestMongo {
  private static final String URL = startOrConnect();
  private static final MongoClient CLIENT = MongoDb.client(URL);

  private TestMongo() {}

  private static String startOrConnect() {
    String url = System.getenv(MongoDb.URL_VARIABLE);
    if (url != null && !url.isBlank()) {
      return url;
    }
    MongoServer server = new MongoServer(new MemoryBackend());
    String address = server.bindAndGetConnectionString();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "in-process-mongodb-stop"));
    return address;
  }

  /** The connection string of the server in use. */
  static String url() {
    return URL;
  }

  /** The shared client; never close it. */
  static MongoClient client() {
    return CLIENT;
  }

  /** Whether the tests run against a real MongoDB ({@code FABULA_MONGO_URL} set). */
  static boolean realServer() {
    String url = System.getenv(MongoDb.URL_VARIABLE);
    return url != null && !url.isBlank();
  }

  /** Skips the calling test unless it runs against a real MongoDB. */
  static void requireRealServer() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        realServer(), "needs a real MongoDB (set " + MongoDb.URL_VARIABLE + "): the in-process server lacks it");
  }

  /** Options for a database no other test uses. */
  static MongoOptions.Builder freshOptions() {
    return MongoOptions.builder().database("t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20));
  }
}
