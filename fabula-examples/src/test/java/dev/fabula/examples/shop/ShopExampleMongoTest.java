package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.fabula.mongodb.MongoDb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example on MongoDB, run twice in one database: the second run must start clean. The server
 * is {@code FABULA_MONGO_URL} when set, else an in-process MongoDB wire-protocol server
 * (mongo-java-server) started here: no mongod can be installed on the build machines.
 */
class ShopExampleMongoTest {
  private static final String DATABASE = "shop_example_test";
  private static MongoServer server;
  private static MongoClient client;

  @BeforeAll
  static void connect() {
    String url = System.getenv(MongoDb.URL_VARIABLE);
    if (url == null || url.isBlank()) {
      server = new MongoServer(new MemoryBackend());
      url = server.bindAndGetConnectionString();
    }
    client = MongoDb.client(url);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.getDatabase(DATABASE).drop();
      client.close();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void everyRunStartsCleanAndKeepsEventsAndPagesInMongoDb() throws Exception {
    String first = runOnce();
    assertThat(first)
        .contains("== Fabula shop example (MongoDB store) ==")
        .contains("Database " + DATABASE + " does not exist yet: starting clean.")
        .contains("Shop statistics: 2 product(s), average price EUR 17.49, 1 price change(s), 1 rename(s)")
        .contains("price history [EUR 29.99, EUR 24.99], version 3")
        .contains("The events stay in database " + DATABASE);
    assertThat(client.getDatabase(DATABASE).getCollection(ProductPages.NAME).countDocuments()).isEqualTo(2);

    String second = runOnce();
    assertThat(second)
        .contains("Dropped database " + DATABASE + " with the events of an earlier run: starting clean.")
        .contains("Shop statistics: 2 product(s), average price EUR 17.49, 1 price change(s), 1 rename(s)");
    assertThat(second.lines().filter(l -> l.startsWith("  Mouse Pad "))).as("catalog lines for the mouse pad").hasSize(1);
    assertThat(client.getDatabase(DATABASE).getCollection(ProductPages.NAME).countDocuments()).isEqualTo(2);
  }

  private static String runOnce() throws Exception {
    var buffer = new ByteArrayOutputStream();
    ShopExample.run(new PrintStream(buffer, true, StandardCharsets.UTF_8), new ShopBackend.Mongo(client, DATABASE));
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
