package dev.fabula.nats;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@code nats-server -js} of a test's own, with its own store directory (under {@code target}),
 * that the test can stop and start again on the same port and store. Skips the test where no
 * {@code nats-server} binary is installed, unless {@code FABULA_REQUIRE_BACKENDS=true}, where that
 * fails.
 *
 * <p>The server picks its port itself ({@code -p -1}) and writes it to a ports file named after its
 * pid, so no other process can take the port between a choice and the bind, and the test knows
 * that what listens there is this server (it also checks that the server still runs once it
 * connected). A restart binds the same port again; should another process have taken it
 * meanwhile, the server ends and the restart fails saying so. A shutdown hook kills the server
 * should the test JVM end without {@link #close()}, which deletes the store directory.
 */
final class PrivateNatsServer implements AutoCloseable {
  private static final long START_SECONDS = 30;
  private static final Pattern PORT = Pattern.compile("nats://[^:\"]+:(\\d+)");
  private final String binary;
  private final Path store;
  private final Thread killOnExit = new Thread(this::killNow, "private-nats-server-kill");
  private int port = -1; // -1: the server picks it; then the port it picked
  private Process server;

  private PrivateNatsServer(String binary, Path store) {
    this.binary = binary;
    this.store = store;
  }

  /** Starts a server on a port of its choosing with a fresh store directory. */
  static PrivateNatsServer start() throws IOException, InterruptedException {
    String binary = Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? "/usr/sbin/nats-server"
        : Files.isExecutable(Path.of("/usr/bin/nats-server")) ? "/usr/bin/nats-server" : null;
    if (binary == null) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError("FABULA_REQUIRE_BACKENDS=true but no nats-server binary is installed");
      }
      assumeTrue(false, "no nats-server binary installed (apt-get install nats-server)");
    }
    PrivateNatsServer server =
        new PrivateNatsServer(binary, Files.createTempDirectory(Path.of("target"), "nats-store-"));
    Runtime.getRuntime().addShutdownHook(server.killOnExit);
    try {
      server.startProcess();
    } catch (Throwable e) { // rethrown as it is; the server and its directory must not stay
      server.close();
      throw e;
    }
    return server;
  }

  /** The server's URL. */
  String url() {
    return "nats://127.0.0.1:" + port;
  }

  private Path portsDir() {
    return store.resolve("ports");
  }

  private Path log() {
    return store.resolve("server.log");
  }

  private void startProcess() throws IOException, InterruptedException {
    Files.createDirectories(portsDir());
    Process p = new ProcessBuilder(binary, "-js", "-a", "127.0.0.1", "-p", String.valueOf(port),
            "-sd", store.resolve("data").toAbsolutePath().toString(),
            "--ports_file_dir", portsDir().toAbsolutePath().toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
        .start();
    server = p;
    // The ports file of this very process (named after its pid) says it listens, and where.
    Path portsFile = portsDir().resolve(new File(binary).getName() + "_" + p.pid() + ".ports");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    while (System.nanoTime() < deadline && p.isAlive()) {
      int listening = readPort(portsFile);
      if (listening > 0) {
        if (port > 0 && listening != port) {
          throw new AssertionError("the private nats-server listens on " + listening + ", not on " + port);
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", listening), 1_000);
          if (p.isAlive()) { // a server that died after writing the file left the port to anyone
            port = listening;
            return;
          }
        } catch (IOException notYet) {
          // listening per its file but not accepting yet: try again
        }
      }
      Thread.sleep(50); // polls a process that tells nothing else when it is ready
    }
    boolean alive = p.isAlive();
    p.destroyForcibly();
    throw new AssertionError("the private nats-server " + (alive ? "did not start within "
        + START_SECONDS + " s" : "ended (exit " + p.waitFor() + ")") + (port > 0 ? " on port " + port : "")
        + "; its log:\n" + Files.readString(log()));
  }

  /** The client port in {@code portsFile}, or -1 while there is no such file or it is incomplete. */
  private static int readPort(Path portsFile) throws IOException {
    if (!Files.exists(portsFile)) {
      return -1;
    }
    Matcher m = PORT.matcher(Files.readString(portsFile));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
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

  private void killNow() {
    Process p = server;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Kills the server, waits for it to end and deletes its store directory. */
  @Override
  public void close() {
    killNow();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway, and finds the server gone
    }
    try (Stream<Path> files = Files.walk(store)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the private nats-server's store " + store, e);
    }
  }
}
