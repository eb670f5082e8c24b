package dev.fabula.command;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Runs one accepted command's handler and reports its outcome; shared by both bus kinds. */
final class Execution {
  private static final System.Logger LOG = System.getLogger(CommandBus.class.getName());

  private Execution() {}

  /** What happened when the handler ran. */
  record Outcome(long runtimeNanos, @Nullable CommandError error, @Nullable Throwable cause) {}

  /**
   * Runs the handler, never throwing: every failure, even an {@link Error}, becomes the outcome's
   * error, so an accepted command always has its outcome reported.
   */
  static Outcome run(HandlerTable.Entry<?> entry, Command<?> command, CommandReporter reporter) {
    long start = System.nanoTime();
    Throwable failure = null;
    try {
      entry.run(command);
    } catch (Throwable t) { // an accepted command's failure must reach the dispatcher, whatever it is
      failure = t;
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    long runtime = System.nanoTime() - start;
    CommandError error = failure == null ? null : CommandError.of(failure);
    try {
      reporter.report(new CommandReport(command, Duration.ofNanos(runtime), error));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "command reporter failed for " + command, e);
    }
    return new Outcome(runtime, error, failure);
  }
}
