package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
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
  void theTimeoutMustBePositive() {
    assertThatThrownBy(() -> MongoDb.client(TestMongo.url(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }
}
