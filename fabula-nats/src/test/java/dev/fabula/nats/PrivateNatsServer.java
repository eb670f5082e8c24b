package dev.fabula.nats;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A {@code nats-server -js} of a test's own, on a free port with its own store directory (under
 * {@code target}), that the test can stop and start again on the same port and store. Skips the
 * test where no {@code nats-server} binary is installed, unless {@code
 * FABULA_REQUIRE_BACKENDS=true}, where that fails.
 */
final class PrivateNatsServer implements AutoCloseable {
  private static final long START_SECONDS = 30;
  private final String binary;
  private final int port;
  private final Path store;
  private Process server;

  private PrivateNatsServer(String binary, int port, Path store) {
    this.binary = binary;
    this.port = port;
    this.store = store;
  }

  /** Starts a server on a free port with a fresh store directory. */
  static PrivateNatsServer start() throws IOException, InterruptedException {
    String binary = Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? "/usr/sbin/nats-server"
        : Files.isExecutable(Path.of("/usr/bin/nats-server")) ? "/usr/bin/nats-server" : null;
    if (binary == null) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError("FABULA_REQUIRE_BACKENDS=true but no nats-server binary is installed");
      }
      assumeTrue(false, "no nats-server binary installed (apt-get install nats-server)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PrivateNatsServer server =
        new PrivateNatsServer(binary, port, Files.createTempDirectory(Path.of("target"), "nats-store-"));
    server.startProcess();
    return server;
  }

  /** The server's URL. */
  String url() {
    return "nats://127.0.0.1:" + port;
  }

  private void startProcess() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary, "-js", "-a", "127.0.0.1", "-p", String.valueOf(port), "-sd",
            store.toAbsolutePath().toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(store.toFile(), "server.log")))
        .start();
    server = p;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!p.isAlive()) {
          break;
        }
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new AssertionError("the private nats-server did not start on port " + port + ": "
        + Files.readString(store.resolve("server.log")));
  }

  /** Stops the server: with SIGTERM (it shuts down in order), or SIGKILL when {@code kill}. */
  void stop(boolean kill) throws InterruptedException {
    if (kill) {
      server.destroyForcibly();
    } else {
      server.destroy();
    }
    if (!server.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the private nats-server (pid " + server.pid() + ") did not stop");
    }
  }

  /** Starts the server again, on the same port with the same store. */
  void startAgain() throws IOException, InterruptedException {
    startProcess();
  }

  /** Stops the server and waits for it to end. */
  @Override
  public void close() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
      try {
        server.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
