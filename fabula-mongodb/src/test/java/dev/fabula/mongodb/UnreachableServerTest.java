package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.projection.ProgressStore;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Tally;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The snapshot, progress and read-model stores when the server cannot be reached: a {@link
 * MongoConnectionException} naming the server within the client's timeout, never a hang. Uses
 * in-process servers of its own, which it stops, whatever {@code FABULA_MONGO_URL} says.
 */
class UnreachableServerTest {
  private static final ReadModelOptions<String, Tally> TALLIES = ReadModelOptions.of(TckData.TALLY, Tally.class, Tally::id);

  private static MongoClient clientWithShortTimeout(String url) {
    return MongoClients.create(MongoClientSettings.builder()
        .applyConnectionString(new ConnectionString(url))
        .applyToClusterSettings(b -> b.serverSelectionTimeout(300, TimeUnit.MILLISECONDS))
        .applyToSocketSettings(b -> b.connectTimeout(300, TimeUnit.MILLISECONDS).readTimeout(2, TimeUnit.SECONDS))
        .build());
  }

  @Test
  void aServerThatNeverAnsweredIsAConnectionExceptionNamingIt() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    try (MongoClient client = clientWithShortTimeout("mongodb://127.0.0.1:" + port)) {
      MongoOptions o = TestMongo.freshOptions().build();
      String server = "127.0.0.1:" + port;
      assertThatThrownBy(() -> MongoDb.snapshotStore(client, JacksonCodec.create(TckData.registry()), o))
          .isInstanceOf(MongoConnectionException.class)
          .hasMessageContaining(server);
      ProgressStore progress = MongoDb.progressStore(client, o);
      assertThatThrownBy(() -> progress.advance("catalog", 0, 1))
          .isInstanceOfSatisfying(MongoConnectionException.class, e -> assertThat(e.server()).isEqualTo(server))
          .hasMessageContaining("advancing the progress of catalog");
      var repo = MongoDb.readModels(client, JacksonCodec.create(TckData.registry()), TALLIES, o);
      assertThatThrownBy(() -> repo.use("t1", t -> t.plus("x")))
          .isInstanceOf(MongoConnectionException.class)
          .hasMessageContaining("reading the tck.tally read model t1");
    }
  }

  @Test
  void aServerThatWentAwayIsAConnectionException() {
    MongoServer server = new MongoServer(new MemoryBackend());
    String url = server.bindAndGetConnectionString();
    try (MongoClient client = clientWithShortTimeout(url)) {
      MongoOptions o = TestMongo.freshOptions().build();
      SnapshotStore snapshots = MongoDb.snapshotStore(client, JacksonCodec.create(TckData.registry()), o);
      ProgressStore progress = MongoDb.progressStore(client, o);
      var repo = MongoDb.readModels(client, JacksonCodec.create(TckData.registry()), TALLIES, o);
      progress.advance("catalog", 0, 1);
      repo.save(Tally.empty("t1"));
      server.shutdownNow();
      assertThatThrownBy(() -> snapshots.latest(TckData.AGGREGATE, UUID.randomUUID())).isInstanceOf(MongoConnectionException.class);
      assertThatThrownBy(() -> progress.position("catalog")).isInstanceOf(MongoConnectionException.class);
      assertThatThrownBy(() -> repo.find("t1")).isInstanceOf(MongoConnectionException.class);
    } finally {
      server.shutdownNow();
    }
  }
}
