package dev.fabula.cli;

import com.mongodb.client.MongoClient;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.mongodb.MongoDb;
import dev.fabula.mongodb.MongoOptions;
import dev.fabula.projection.ProgressStore;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/** The store-URL commands on MongoDB (the in-process mongo-java-server), a database per place. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MongoCommandsTest extends StoreUrlCommandsTest {
  private static final MongoServer SERVER = new MongoServer(new MemoryBackend());
  private static final String URL = "mongodb://" + address();
  private static final MongoClient CLIENT = MongoDb.client(URL);

  private static String address() {
    var a = SERVER.bind();
    return a.getHostString() + ":" + a.getPort();
  }

  @AfterAll
  static void stop() {
    CLIENT.close();
    SERVER.shutdownNow();
  }

  @Override
  String newPlace() {
    return "cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  @Override
  List<String> storeArgs(String place) {
    return List.of("--store", URL, "--database", place);
  }

  @Override
  EventStore open(String place, Codec codec) {
    return MongoDb.eventStore(CLIENT, codec, MongoOptions.builder().database(place).build());
  }

  @Override
  String unreachableUrl() {
    return "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500&connectTimeoutMS=500";
  }

  @Override
  ProgressStore progressStore(String place) {
    return MongoDb.progressStore(CLIENT, MongoOptions.builder().database(place).build());
  }

  @Override
  boolean hasProgressTable(String place) {
    String collection = MongoOptions.builder().database(place).build().progressCollection();
    return CLIENT.getDatabase(place).listCollectionNames().into(new java.util.ArrayList<>()).contains(collection);
  }
}
