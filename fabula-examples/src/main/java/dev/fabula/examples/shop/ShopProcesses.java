package dev.fabula.examples.shop;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.event.EventStore;
import dev.fabula.nats.Nats;
import dev.fabula.nats.NatsOptions;
import dev.fabula.postgres.Postgres;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The shop in three processes ({@link ShopProcess}): checks that NATS and PostgreSQL answer, starts
 * the schema {@value #SCHEMA} clean, starts {@code commands} and {@code catalog}, then {@code
 * client} once both are ready, printing each one's output behind its role; when the client ended
 * and the catalog caught up with the store, stops the two servers (SIGTERM, then a kill after a
 * grace period), prints what each did and exits non-zero if anything failed. Every process it
 * started is killed on any way out, the launcher's own Ctrl-C included.
 */
public final class ShopProcesses {
  /** The PostgreSQL schema the example owns: dropped at the start of each run. */
  public static final String SCHEMA = "fabula_shop_processes";

  private static final Duration READY_WAIT = Duration.ofSeconds(60);
  private static final Duration CLIENT_WAIT = Duration.ofMinutes(2);
  private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(30);
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  private ShopProcesses() {}

  /** Runs the shop in three processes and exits with 0 when everything went as expected. */
  public static void main(String[] args) {
    System.exit(run(System.out, SCHEMA));
  }

  /**
   * Runs the three processes in {@code schema} and returns the exit code: 0 when the client's
   * commands had the expected outcomes, the catalog caught up and both servers stopped cleanly; 2
   * when NATS or PostgreSQL does not answer; 1 for any other failure.
   */
  static int run(PrintStream out, String schema) {
    String natsUrl = ShopProcess.natsUrl();
    String postgresUrl = Postgres.urlFromEnvironment();
    out.println("== Fabula shop in three processes: commands, catalog, client (NATS " + natsUrl + ", PostgreSQL) ==");
    Optional<String> missing = missingBackend(natsUrl, postgresUrl);
    if (missing.isPresent()) {
      out.println(missing.get());
      return 2;
    }
    // A subject prefix of this run's own: runs and tests sharing the server never cross.
    String subjectPrefix = "fabula-example.shop." + UUID.randomUUID().toString().substring(0, 8);
    var children = new CopyOnWriteArrayList<Child>();
    Thread killer = new Thread(() -> children.forEach(Child::kill), "shop-processes-kill");
    Runtime.getRuntime().addShutdownHook(killer);
    try (HikariDataSource pool = Postgres.dataSource(postgresUrl)) {
      ShopStorage.startClean(pool, schema, out);
      // The launcher creates the table, so the two servers starting at once never race to.
      try (EventStore store = ShopStorage.postgresStore(pool, schema)) {
        List<String> arguments = List.of(schema, subjectPrefix);
        // The servers stop when their input ends too: they never outlive this launcher.
        List<String> serving = List.of(ShopProcess.STOP_ON_STDIN_CLOSE);
        Child commands = Child.start("commands", serving, arguments, out, children);
        Child catalog = Child.start("catalog", serving, arguments, out, children);
        commands.awaitLine(l -> l.startsWith(ShopProcess.READY), READY_WAIT);
        catalog.awaitLine(l -> l.startsWith(ShopProcess.READY), READY_WAIT);
        Child client = Child.start("client", List.of(), arguments, out, children);
        boolean clientOk = client.awaitExit(CLIENT_WAIT) == 0;
        long head = store.lastPosition();
        if (head > 0) { // else nothing was stored, and the catalog, started on a clean schema, is current
          catalog.awaitLine(l -> l.startsWith(ShopProcess.CAUGHT_UP)
              && Long.parseLong(l.substring(ShopProcess.CAUGHT_UP.length()).trim()) >= head, CATCH_UP_WAIT);
        }
        boolean commandsOk = commands.stop(STOP_GRACE);
        boolean catalogOk = catalog.stop(STOP_GRACE);
        out.println();
        out.println("== Summary ==");
        children.forEach(c -> out.println(c.summary()));
        boolean ok = clientOk && commandsOk && catalogOk;
        out.println(ok ? "All three processes did their part; the events stay in schema " + schema + " until the next run."
            : "Something failed: see the output above.");
        return ok ? 0 : 1;
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      out.println("FAILED: " + e);
      children.forEach(c -> out.println(c.summary()));
      return 1;
    } finally {
      children.forEach(Child::kill);
      try {
        Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: it kills them too
      }
    }
  }

  /** Why the example cannot run on these servers, with how to fix it; empty when both answer. */
  static Optional<String> missingBackend(String natsUrl, String postgresUrl) {
    NatsOptions options = NatsOptions.builder().url(natsUrl).connectTimeout(Duration.ofSeconds(3)).build();
    try {
      Nats.eventBus(ShopProcess.codec(), options).close(); // it connected
    } catch (RuntimeException e) {
      return Optional.of("NATS does not answer at " + natsUrl + " (" + e.getMessage() + ").\n"
          + "Start one with `nats-server` (or `docker run --rm -p 4222:4222 nats`), or set FABULA_NATS_URL.");
    }
    try {
      Postgres.dataSource(postgresUrl).close(); // the pool checked at once that the server answers
    } catch (RuntimeException e) {
      return Optional.of("PostgreSQL does not answer (" + e.getMessage() + ").\n"
          + "Start one (e.g. `docker run --rm -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres`),"
          + " or set FABULA_POSTGRES_URL to a jdbc:postgresql:// URL.");
    }
    return Optional.empty();
  }

  /**
   * The class path of a role's JVM: the entries of this JVM's module path, then of its class path,
   * each once. Started with {@code --module-path} (and {@code --module}), the launcher's own
   * classes and libraries are on the module path, and its class path may be empty; on the class
   * path the roles need no module descriptor.
   *
   * @throws IllegalStateException when both are empty: there would be nothing to start a role from
   */
  static String childClassPath(@Nullable String modulePath, @Nullable String classPath) {
    Set<String> entries = new LinkedHashSet<>();
    for (String path : Arrays.asList(modulePath, classPath)) {
      if (path != null) {
        Stream.of(path.split(File.pathSeparator)).filter(e -> !e.isBlank()).forEach(entries::add);
      }
    }
    if (entries.isEmpty()) {
      throw new IllegalStateException("this JVM has neither a module path (jdk.module.path) nor a class path"
          + " (java.class.path) to start the shop's processes with");
    }
    return String.join(File.pathSeparator, entries);
  }

  /** A started role: its output, printed behind its name as it comes and kept to wait on. */
  private static final class Child {
    private final String role;
    private final Process process;
    private final Thread reader;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition printed = lock.newCondition();
    private final List<String> lines = new ArrayList<>();
    private boolean ended;
    private @Nullable String outcome;

    private Child(String role, Process process, PrintStream out) {
      this.role = role;
      this.process = process;
      this.reader = Thread.ofPlatform().name("shop-" + role + "-output").start(() -> copy(out));
    }

    /**
     * Starts {@code role} in a JVM like this one, on the class path: this JVM's module path and
     * class path ({@link ShopProcesses#childClassPath}). The options come before the role, the arguments after.
     */
    static Child start(String role, List<String> options, List<String> arguments, PrintStream out, List<Child> started)
        throws IOException {
      String java = ProcessHandle.current().info().command()
          .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
      var command = new ArrayList<>(List.of(java, "-cp",
          childClassPath(System.getProperty("jdk.module.path"), System.getProperty("java.class.path")),
          ShopProcess.class.getName()));
      command.addAll(options);
      command.add(role);
      command.addAll(arguments);
      // Standard input stays an open pipe: it ends when this launcher does, which stops a role
      // started with ShopProcess.STOP_ON_STDIN_CLOSE.
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      var child = new Child(role, process, out);
      started.add(child);
      return child;
    }

    private void copy(PrintStream out) {
      try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          out.printf("[%-8s] %s%n", role, line);
          lock.lock();
          try {
            lines.add(line);
            printed.signalAll();
          } finally {
            lock.unlock();
          }
        }
      } catch (IOException | RuntimeException e) {
        out.printf("[%-8s] (reading its output failed: %s)%n", role, e);
      } finally {
        lock.lock();
        try {
          ended = true;
          printed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }

    /**
     * Waits until the role printed a line {@code wanted} accepts.
     *
     * @throws IllegalStateException when it ended or {@code timeout} passed first
     */
    void awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      lock.lock();
      try {
        for (int seen = 0; ; ) {
          for (; seen < lines.size(); seen++) {
            if (wanted.test(lines.get(seen))) {
              return;
            }
          }
          if (ended) {
            throw new IllegalStateException(role + " ended before it printed what the launcher waits for");
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new IllegalStateException(role + " did not print what the launcher waits for within " + timeout);
          }
          printed.awaitNanos(left);
        }
      } finally {
        lock.unlock();
      }
    }

    /** Waits for the role to end by itself and returns its exit code; kills it after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        outcome = "did not end within " + timeout + ": killed";
        return -1;
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
      outcome = "ended with exit code " + process.exitValue();
      return process.exitValue();
    }

    /**
     * Asks the role to stop (SIGTERM), kills it when it has not ended after {@code grace}, and says
     * whether it stopped cleanly: it was still running, and printed its summary on the way out.
     */
    boolean stop(Duration grace) throws InterruptedException, IOException {
      if (!process.isAlive()) {
        outcome = "had ended by itself (exit code " + process.exitValue() + ") before it was stopped";
        return false;
      }
      if (process.supportsNormalTermination()) {
        // The handle's destroy only signals; Process.destroy would also close the pipes and lose
        // what the role prints while it stops.
        process.toHandle().destroy();
      } else {
        // No SIGTERM (Windows): a server started with ShopProcess.STOP_ON_STDIN_CLOSE stops when its input ends.
        process.getOutputStream().close();
      }
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        outcome = "did not stop within " + grace + ": killed";
        return false;
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
      boolean summarized = summaryLine().isPresent();
      outcome = "stopped on request (exit code " + process.exitValue() + ")"
          + (summarized ? "" : " without printing its summary");
      return summarized;
    }

    void kill() {
      process.destroyForcibly();
    }

    private Optional<String> summaryLine() {
      lock.lock();
      try {
        return lines.stream().filter(l -> l.startsWith(ShopProcess.SUMMARY)).reduce((first, last) -> last);
      } finally {
        lock.unlock();
      }
    }

    String summary() {
      String did = summaryLine().map(l -> l.substring(ShopProcess.SUMMARY.length())).orElse("(no summary)");
      String how = outcome != null ? outcome : process.isAlive() ? "still running: killed" : "ended";
      return String.format("%-8s %s; %s", role, how, did);
    }
  }
}
