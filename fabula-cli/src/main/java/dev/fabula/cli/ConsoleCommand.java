package dev.fabula.cli;

import dev.fabula.codec.Codec;
import dev.fabula.codec.Codecs;
import dev.fabula.console.Console;
import dev.fabula.console.ConsoleOptions;
import dev.fabula.console.UnprotectedConsoleException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula console}: serves the read-only web console over one or more stores opened by URL,
 * their payloads shown raw and the projection progress they keep listed, until the process is
 * interrupted (or, in-process, its thread). One store is served at the root; several each under
 * {@code stores/{name}/}, behind one login.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
    description = {"Serve the web console, read-only, over stores opened by URL (payloads shown raw) until"
        + " interrupted; prints its address. Several stores: repeat --store [NAME=]URL with its own --schema etc.;"
        + " each is served under stores/NAME/ (NAME defaults to the schema or database), behind one login.",
        "Beyond a loopback address it needs a password: --password-hash or " + ConsoleCommand.HASH_VARIABLE + "."})
final class ConsoleCommand implements Callable<Integer> {
  /** The environment variable that holds the password's hash when no option gives it. */
  static final String HASH_VARIABLE = "FABULA_CONSOLE_PASSWORD_HASH";

  @Spec CommandSpec spec;

  @ArgGroup(exclusive = false, multiplicity = "1..*", heading = "Stores (repeat --store with its own options for several):%n")
  List<StoreOption> stores = new ArrayList<>();

  @Option(names = "--port", paramLabel = "N", defaultValue = "" + ConsoleOptions.DEFAULT_PORT,
      description = "The port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
      description = "The address to listen on (default: ${DEFAULT-VALUE}); any but a loopback address needs a password.")
  String bind = "127.0.0.1";

  @Option(names = "--password-hash", paramLabel = "HASH",
      description = "The hash of the login's password (pbkdf2-sha512$...; default: $" + HASH_VARIABLE + ").")
  @Nullable String passwordHash;

  @Override
  public Integer call() {
    InetAddress address = address();
    String hash = passwordHash != null ? passwordHash : System.getenv(HASH_VARIABLE);
    if (hash != null && hash.isBlank()) {
      hash = null;
    }
    if (!address.isLoopbackAddress() && hash == null) {
      throw new CliException(Exit.REFUSED, "refusing to serve the console on " + address.getHostAddress()
          + " without a password: give --password-hash or set " + HASH_VARIABLE + " (or bind a loopback address)");
    }
    var names = new LinkedHashMap<String, StoreOption>();
    for (StoreOption store : stores) {
      StoreOption before = names.putIfAbsent(store.name(), store);
      if (before != null) {
        throw new CliException(Exit.USAGE, "two stores are named '" + store.name() + "' (" + before.url + " and "
            + store.url + "): name them with --store NAME=URL");
      }
    }
    var opened = new ArrayList<StoreOption.Opened>();
    try {
      var options = new LinkedHashMap<String, ConsoleOptions>();
      for (Map.Entry<String, StoreOption> store : names.entrySet()) {
        StoreOption.Opened open = store.getValue().openNamed();
        opened.add(open);
        options.put(store.getKey(), options(open, address, hash));
      }
      serve(options);
    } finally {
      close(opened);
    }
    return Exit.OK;
  }

  private ConsoleOptions options(StoreOption.Opened opened, InetAddress address, @Nullable String hash) {
    Codec raw = Codecs.raw();
    ConsoleOptions.Builder options;
    try {
      options = ConsoleOptions.builder(opened.store(), raw.registry()).codec(raw).bindAddress(address).port(port);
      if (hash != null) {
        options.passwordHash(hash);
      }
    } catch (IllegalArgumentException e) {
      throw new CliException(Exit.USAGE, e.getMessage(), e);
    }
    if (opened.horizonHolder() != null) {
      options.horizonHolder(opened.horizonHolder());
    }
    options.storedProgress(opened.storedProgress());
    return options.build();
  }

  /** Closes every store, the first failure thrown once all were tried (later ones suppressed). */
  private static void close(List<StoreOption.Opened> opened) {
    RuntimeException failure = null;
    for (StoreOption.Opened o : opened.reversed()) {
      try {
        o.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private InetAddress address() {
    try {
      return InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new CliException(Exit.USAGE, "--bind: no such address: " + bind, e);
    }
  }

  /**
   * Serves until this thread is interrupted or the process shuts down: one store at the root, as
   * before; several each under {@code stores/{name}/}.
   */
  private void serve(Map<String, ConsoleOptions> options) {
    Console console;
    try {
      console = options.size() == 1 ? Console.start(options.values().iterator().next()) : Console.start(options);
    } catch (UnprotectedConsoleException e) {
      throw new CliException(Exit.REFUSED, e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new CliException(Exit.FAILED, e.getMessage(), e);
    }
    var stop = new CountDownLatch(1);
    var stopped = new CountDownLatch(1);
    // On Ctrl-C the JVM runs this hook: it wakes the command, which stops the console and closes
    // the store, and waits (a while) until that is done.
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        stopped.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "fabula-console-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      PrintWriter out = spec.commandLine().getOut();
      out.println(console.uri());
      var where = new StringBuilder();
      if (options.size() > 1) {
        for (String name : options.keySet()) {
          URI store = console.uri().resolve("stores/" + name + "/");
          out.println(name + " " + store);
          where.append(where.isEmpty() ? ": " : ", ").append(name).append(" at ").append(store);
        }
      }
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      err.println("fabula console: serving " + console.uri() + where + " (read-only); Ctrl-C stops it");
      err.flush();
      stop.await();
    } catch (InterruptedException e) {
      // interrupted: stop serving, as on Ctrl-C
    } finally {
      try {
        console.close();
      } finally {
        stopped.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook runs now, and waits for `stopped`
        }
      }
    }
  }
}
