package dev.fabula.nats.processes;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBuses;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.nats.NatsOptions;
import dev.fabula.projection.ProjectionService;
import dev.fabula.tck.TckData;
import io.nats.client.api.StorageType;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** What every child has in common: its report lines, its arguments, its standard input. */
public final class Child {
  /** The command the command-bus children send and handle. */
  public static final String WORK = "xproc.work";

  /**
   * The payload of a {@link #WORK} command.
   *
   * @param n the command's number in the dispatcher's sequence
   */
  public record Work(int n) {}

  private static final PrintStream OUT =
      new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
  private static final ReentrantLock OUT_LOCK = new ReentrantLock();
  private static final CountDownLatch STOP = new CountDownLatch(1);
  private static final ReentrantLock INPUT_LOCK = new ReentrantLock();
  private static final Condition INPUT_CHANGED = INPUT_LOCK.newCondition();
  // guarded by INPUT_LOCK: every line read from standard input, and whether it ended
  private static final Set<String> INPUT = new HashSet<>();
  private static boolean inputEnded;

  private Child() {}

  /**
   * Writes one report line and flushes it, so that a line the test read was written before
   * whatever the child does next (or before it is killed).
   */
  public static void report(String line) {
    OUT_LOCK.lock();
    try {
      OUT.println(line);
      OUT.flush();
    } finally {
      OUT_LOCK.unlock();
    }
  }

  /** Reports {@code e} on one line (class and message) and its stack trace on stderr. */
  public static void reportError(String what, Throwable e) {
    report("error " + what + " " + e.getClass().getName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
    e.printStackTrace();
  }

  /**
   * Reads standard input on a daemon thread: {@code stop} (or end of input) releases {@link
   * #awaitStop()}, any line releases {@link #awaitInput} for it; end of input also ends the JVM
   * after a grace period, so a child whose test died does not linger.
   */
  public static void watchInput() {
    Thread.ofPlatform().daemon().name("child-stdin").start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.equals("stop")) {
            STOP.countDown();
          }
          INPUT_LOCK.lock();
          try {
            INPUT.add(line);
            INPUT_CHANGED.signalAll();
          } finally {
            INPUT_LOCK.unlock();
          }
        }
      } catch (Throwable e) {
        reportError("stdin", e);
      }
      INPUT_LOCK.lock();
      try {
        inputEnded = true;
        INPUT_CHANGED.signalAll();
      } finally {
        INPUT_LOCK.unlock();
      }
      STOP.countDown();
      try {
        Thread.sleep(10_000); // lets a graceful stop finish; then the orphan ends
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
      Runtime.getRuntime().halt(3);
    });
  }

  /** Blocks until the test says {@code stop} (or closes standard input). */
  public static void awaitStop() throws InterruptedException {
    STOP.await();
  }

  /**
   * Blocks until the test sent {@code line} (at any time since {@link #watchInput()}), or until
   * standard input ended without it (the test is gone).
   *
   * @return whether the test sent it
   */
  public static boolean awaitInput(String line) throws InterruptedException {
    INPUT_LOCK.lock();
    try {
      while (!INPUT.contains(line)) {
        if (inputEnded) {
          return false;
        }
        INPUT_CHANGED.await();
      }
      return true;
    } finally {
      INPUT_LOCK.unlock();
    }
  }

  /** Reports every uncaught exception of every thread as an {@code error} line. */
  public static void reportUncaught() {
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> reportError("thread " + t.getName(), e));
  }

  /**
   * The codec of every child: the kit's events, the work command, the command protocol and the
   * projection service's events.
   */
  public static Codec codec() {
    CodecRegistry.Builder registry = TckData.registerAll(CodecRegistry.builder()).register(WORK, Work.class)
        .register(ProjectionService.TRIGGER_REQUESTED, ProjectionService.TriggerRequested.class)
        .register(ProjectionService.TRIGGER_ACCEPTED, ProjectionService.TriggerAccepted.class)
        .register(ProjectionService.TRIGGER_FAILED, ProjectionService.TriggerFailed.class);
    return JacksonCodec.create(CommandBuses.registerProtocol(registry).build());
  }

  /**
   * NATS options from {@code key=value} arguments: {@code url}, {@code prefix}, {@code stream},
   * {@code storage} ({@code File} or {@code Memory}), {@code publishTimeoutMs}.
   */
  public static NatsOptions.Builder natsOptions(Map<String, String> args) {
    NatsOptions.Builder b = NatsOptions.builder()
        .url(args.get("url"))
        .subjectPrefix(args.get("prefix"))
        .connectTimeout(Duration.ofSeconds(5));
    if (args.containsKey("stream")) {
      b.stream(args.get("stream"));
    }
    if (args.containsKey("storage")) {
      b.storage(StorageType.valueOf(args.get("storage")));
    }
    if (args.containsKey("publishTimeoutMs")) {
      b.publishTimeout(Duration.ofMillis(Long.parseLong(args.get("publishTimeoutMs"))));
    }
    return b;
  }

  /** Parses {@code key=value} arguments. */
  public static Map<String, String> args(String[] args) {
    Map<String, String> map = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("arguments are key=value, got " + a);
      }
      map.put(a.substring(0, eq), a.substring(eq + 1));
    }
    return map;
  }

  /** A required integer argument. */
  public static int intArg(Map<String, String> args, String key) {
    String v = args.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing argument " + key);
    }
    return Integer.parseInt(v);
  }
}
