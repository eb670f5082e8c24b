package dev.fabula.command;

/**
 * Receives the outcome and runtime of every command a bus executes (for metrics, logs, audits).
 * Called on the executing bus, after the handler returned or threw, before the outcome is sent to
 * the dispatcher. An exception thrown by the reporter is logged and otherwise ignored.
 */
@FunctionalInterface
public interface CommandReporter {
  /** A reporter that does nothing. */
  static CommandReporter none() {
    return report -> {};
  }

  /** Receives one command's outcome. */
  void report(CommandReport report);
}
