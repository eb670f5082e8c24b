package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import dev.fabula.codec.Codec;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.tck.TckData;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bson.Document;
import org.junit.jupiter.api.Test;

class MongoDbTest {
  @Test
  void clientPingsTheServerBeforeItIsReturned() {
    try (MongoClient client = MongoDb.client(TestMongo.url())) {
      assertThat(client.getDatabase("admin").runCommand(new Document("ping", 1)).get("ok")).isNotNull();
    }
  }

  @Test
  void anUnreachableServerFailsWithinTheTimeoutNamingTheServer() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String url = "mongodb://someone:secret@127.0.0.1:" + port + "/?connectTimeoutMS=300";
    assertThatThrownBy(() -> MongoDb.client(url, Duration.ofMillis(500)))
        .isInstanceOf(MongoConnectionException.class)
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageContaining("within PT0.5S")
        .hasMessageNotContaining("secret");
  }

  @Test
  void aServerThatAcceptsConnectionsButNeverAnswersFailsInsteadOfHanging() throws IOException {
    // The kernel completes connections into the backlog; nothing ever reads or writes on them.
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = silent.getLocalPort();
      assertThatThrownBy(() -> MongoDb.client("mongodb://127.0.0.1:" + port, Duration.ofMillis(500)))
          .isInstanceOf(MongoConnectionException.class)
          .hasMessageContaining("127.0.0.1:" + port);
    }
  }

  @Test
  void aStringThatIsNotAConnectionStringIsRefusedWithItsPasswordMasked() {
    assertThatThrownBy(() -> MongoDb.client("postgresql://user:hunter2@host/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a MongoDB connection string")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> MongoDb.client("mongodb://user:hunter2@host:notaport/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user:***@host")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void everyFactoryNamesItsNullArgument() {
    MongoClient client = TestMongo.client();
    Codec codec = MongoEventStoreTest.codec();
    MongoOptions options = TestMongo.freshOptions().build();
    ReadModelOptions<String, TckData.Tally> tallies = ReadModelOptions.of(TckData.TALLY, TckData.Tally.class, TckData.Tally::id);
    List<Map.Entry<String, ThrowingCallable>> calls = List.of(
        Map.entry("url", () -> MongoDb.client(null)),
        Map.entry("connectTimeout", () -> MongoDb.client(TestMongo.url(), null)),
        Map.entry("client", () -> MongoDb.eventStore(null, codec, options)),
        Map.entry("codec", () -> MongoDb.eventStore(client, null, options)),
        Map.entry("options", () -> MongoDb.eventStore(client, codec, null)),
        Map.entry("client", () -> MongoDb.snapshotStore(null, codec, options)),
        Map.entry("codec", () -> MongoDb.snapshotStore(client, null, options)),
        Map.entry("options", () -> MongoDb.snapshotStore(client, codec, null)),
        Map.entry("client", () -> MongoDb.progressStore(null, options)),
        Map.entry("options", () -> MongoDb.progressStore(client, null)),
        Map.entry("client", () -> MongoDb.readModels(null, codec, tallies, options)),
        Map.entry("codec", () -> MongoDb.readModels(client, null, tallies, options)),
        Map.entry("readModels", () -> MongoDb.readModels(client, codec, null, options)),
        Map.entry("options", () -> MongoDb.readModels(client, codec, tallies, null)));
    for (var call : calls) {
      assertThatThrownBy(call.getValue()).isInstanceOf(NullPointerException.class).hasMessage(call.getKey());
    }
    assertThat(client.getDatabase(options.database()).listCollectionNames().into(new java.util.ArrayList<>()))
        .as("nothing was created by a refused call").isEmpty();
  }

  @Test
  void theTimeoutMustBePositive() {
    assertThatThrownBy(() -> MongoDb.client(TestMongo.url(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }
}
