package dev.fabula.postgres;

/**
 * The pacing of the PostgreSQL event bus's threads after a failure (ADR 0017): a back-off that
 * doubles up to a bound, and a sleep that an interrupt only shortens.
 */
final class BusRetry {
  private static final long MAX_BACKOFF_MILLIS = 2_000;

  private BusRetry() {}

  /** Sleeps, returning early (and clearing the flag) when interrupted: the loops check close. */
  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      // go on: the loops check whether the bus is closed
    }
  }

  /** The back-off after {@code failures} failures in a row: 100 ms doubling, at most 2 s. */
  static long backoffMillis(int failures) {
    return Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(failures, 10));
  }
}
