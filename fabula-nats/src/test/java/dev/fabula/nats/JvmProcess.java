package dev.fabula.nats;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A child JVM running one of the test's {@code main} classes, on the class path of this test JVM
 * (the module path and the class path surefire gave it, plus the test classes): everything is in
 * the unnamed module there, so no {@code --add-exports} are needed. The child reports what it did
 * in lines on its standard output, which this class collects as they come; its standard error
 * goes to a file, shown by {@link #describe()} when a test fails ({@link ChildProcesses} deletes it
 * after a test that passed). Its standard input stays open:
 * a child ends when it reads end of input, so a child outlives no test JVM. {@link #kill()} is
 * {@code SIGKILL} on Linux ({@link Process#destroyForcibly()}); {@link #close()} kills what still
 * runs.
 */
final class JvmProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path stderr;
  private final Writer stdin;
  private final List<String> lines = new ArrayList<>(); // guarded by itself
  private final Thread reader;
  private volatile boolean killed;

  private JvmProcess(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader = Thread.ofPlatform().daemon().name("jvm-process-" + name).start(this::readLines);
  }

  /** Starts {@code main} with {@code args} in a new JVM named {@code name} (for messages). */
  static JvmProcess start(String name, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow(() ->
        new IllegalStateException("cannot tell which java binary runs this JVM")));
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1"); // children are short-lived: start fast
    command.add("-cp");
    command.add(classPath());
    command.add(main.getName());
    command.addAll(List.of(args));
    try {
      Path err = Files.createTempFile(Path.of("target"), "child-" + name + "-", ".stderr");
      Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      return new JvmProcess(name, p, err);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start child JVM " + name, e);
    }
  }

  /** This JVM's module path, class path and test classes, as one class path. */
  private static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    entries.add(Path.of("target", "test-classes").toAbsolutePath().toString());
    for (String property : List.of("jdk.module.path", "java.class.path")) {
      String value = System.getProperty(property);
      if (value != null && !value.isBlank()) {
        Stream.of(value.split(File.pathSeparator)).filter(s -> !s.isBlank()).forEach(entries::add);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  private void readLines() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (Throwable e) { // any failure, not only I/O: a reader that dies silently hides output
      if (!killed) {
        synchronized (lines) {
          lines.add("!reader failed: " + e);
        }
      }
    } finally {
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }

  String name() {
    return name;
  }

  /** Every line the child wrote so far. */
  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** The lines so far that start with {@code word + " "}, without that word. */
  List<String> lines(String word) {
    String prefix = word + " ";
    return lines().stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
  }

  /** Waits until at least {@code count} lines match {@code test}; fails with the child's output after {@code timeout}. */
  void await(String what, Predicate<String> test, int count, Duration timeout) throws InterruptedException {
    int[] matched = {0};
    until(what, eachNewLine(line -> {
      if (test.test(line)) {
        matched[0]++;
      }
    }, () -> matched[0] >= count), timeout);
  }

  /**
   * A condition for {@link #until} and {@link #holdsWithin} that looks at each line once: it hands
   * the lines written since its last test to {@code onLine}, then asks {@code holds}. Keeps the
   * wait linear in the output (the condition is tested on each new line, under the lines' lock).
   * One instance serves one wait.
   */
  static Predicate<List<String>> eachNewLine(Consumer<String> onLine, BooleanSupplier holds) {
    int[] seen = {0};
    return all -> {
      for (; seen[0] < all.size(); seen[0]++) {
        onLine.accept(all.get(seen[0]));
      }
      return holds.getAsBoolean();
    };
  }

  /**
   * Waits until {@code condition} holds for the lines written so far (tested again on each new
   * line); fails with the child's output after {@code timeout}, or once the child ended without
   * it holding.
   */
  void until(String what, Predicate<List<String>> condition, Duration timeout) throws InterruptedException {
    if (!holdsWithin(condition, timeout)) {
      throw new AssertionError(name + ": " + what + " did not happen within " + timeout
          + (process.isAlive() ? "" : " (the child ended)") + "\n" + describe());
    }
  }

  /**
   * Waits until {@code condition} holds for the lines written so far, at most {@code timeout} or
   * until the child ended; returns whether it holds, for a caller whose own assertion says better
   * what is missing.
   */
  boolean holdsWithin(Predicate<List<String>> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (!condition.test(lines)) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
      return true;
    }
  }

  /** Waits for a line equal to {@code line}. */
  void awaitLine(String line, Duration timeout) throws InterruptedException {
    await("the line '" + line + "'", line::equals, 1, timeout);
  }

  /** Sends {@code line} to the child's standard input. */
  void send(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": could not write to the child", e);
    }
  }

  /** Waits for the child to end by itself; fails after {@code timeout}. Returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not end within " + timeout + "\n" + describe());
    }
    reader.join(timeout.toMillis());
    return process.exitValue();
  }

  /** Kills the child with SIGKILL and waits until it is gone. */
  void kill() throws InterruptedException {
    killed = true;
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
    }
    reader.join(5_000);
  }

  /** The child's name, pid, state, last lines of output and its standard error. */
  String describe() {
    List<String> all = lines();
    String tail = all.subList(Math.max(0, all.size() - 20), all.size()).stream()
        .collect(Collectors.joining("\n  ", "  ", ""));
    String err;
    try {
      err = Files.readString(stderr);
    } catch (IOException e) {
      err = "(unreadable: " + e + ")";
    }
    return "--- child " + name + " (pid " + process.pid() + ", "
        + (process.isAlive() ? "running" : "exit " + process.exitValue()) + "), " + all.size()
        + " lines, the last:\n" + tail + "\n--- its stderr:\n" + err;
  }

  /** Deletes the file of the child's standard error (after a test that passed: nobody reads it). */
  void deleteStderr() {
    try {
      Files.deleteIfExists(stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": could not delete " + stderr, e);
    }
  }

  /** The file of the child's standard error. */
  Path stderrFile() {
    return stderr;
  }

  /** Kills the child if it still runs (an interrupt stops the wait, not the kill). */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
