package dev.fabula.nats;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fabula.codec.Codec;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Options;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;

/**
 * The NATS server the tests use: {@code FABULA_NATS_URL}, else {@code nats://127.0.0.1:4222}
 * (started with {@code nats-server -js}). Where none answers, a test is skipped with a message,
 * unless {@code FABULA_REQUIRE_BACKENDS=true} (CI), where that is a failure. Each test class gets
 * a subject prefix and stream of its own, so runs do not see each other's events.
 */
final class TestNats {
  static final String URL = System.getenv().getOrDefault("FABULA_NATS_URL", NatsOptions.DEFAULT_URL);

  private TestNats() {}

  /** Skips (or, in CI, fails) the calling test when no NATS server answers. */
  static void requireServer() {
    String hostPort = URL.replaceFirst("^nats://", "").split(",")[0];
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    int port = colon < 0 ? 4222 : Integer.parseInt(hostPort.substring(colon + 1));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1000);
    } catch (IOException e) {
      String message = "no NATS server answers at " + URL + " (start one with `nats-server -js`): " + e;
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError("FABULA_REQUIRE_BACKENDS=true but " + message, e);
      }
      assumeTrue(false, message);
    }
  }

  /** A prefix and stream name no other test class uses. */
  static NatsOptions.Builder isolated(String label) {
    String unique = label + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    return NatsOptions.builder()
        .url(URL)
        .subjectPrefix("fabula_test." + unique)
        .stream("FABULA_TEST_" + unique)
        .storage(io.nats.client.api.StorageType.Memory)
        .connectTimeout(Duration.ofSeconds(3));
  }

  static Codec codec() {
    return JacksonCodec.create(TckData.registry());
  }

  /** A raw jnats connection to the test server, for sending what a Fabula bus would not. */
  static Connection rawConnection() throws IOException, InterruptedException {
    return io.nats.client.Nats.connect(Options.builder().server(URL).build());
  }

  /** Deletes a test stream, if it exists. */
  static void deleteStream(String stream) {
    try {
      Connection c = rawConnection();
      try {
        c.jetStreamManagement().deleteStream(stream);
      } catch (JetStreamApiException e) {
        // gone already, or never made
      } finally {
        c.close();
      }
    } catch (IOException e) {
      // no server: nothing to delete
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
