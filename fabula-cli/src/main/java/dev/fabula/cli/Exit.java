package dev.fabula.cli;

/** The exit codes scripts may rely on (docs/CLI.md). */
final class Exit {
  /** Done. */
  static final int OK = 0;
  /** Bad arguments or malformed input. */
  static final int USAGE = 1;
  /** No such aggregate, schedule, version or stream. */
  static final int NOT_FOUND = 2;
  /** Refused: an import that would break a stream's versions, a write the console refuses. */
  static final int REFUSED = 3;
  /** The console or the store could not be reached. */
  static final int UNAVAILABLE = 4;
  /** A triggered job failed, or the console or store failed otherwise. */
  static final int FAILED = 5;

  private Exit() {}
}
