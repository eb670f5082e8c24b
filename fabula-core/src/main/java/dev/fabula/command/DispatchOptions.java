package dev.fabula.command;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link CommandBus#dispatch} waits: {@link #async()} returns once a handler accepted the
 * command; {@link #sync()} returns when the handler finished and rethrows its failure. Both wait at
 * most the {@linkplain #assignTimeout() assign timeout} for a handler to accept; a synchronous
 * dispatch then waits at most its {@linkplain Sync#executionTimeout() execution timeout} for the
 * result. No wait is infinite.
 */
public sealed interface DispatchOptions permits DispatchOptions.Async, DispatchOptions.Sync {
  /** Default wait for a handler to accept: 5 seconds. */
  Duration DEFAULT_ASSIGN_TIMEOUT = Duration.ofSeconds(5);

  /** Default wait for a synchronous handler to finish: 30 seconds. */
  Duration DEFAULT_EXECUTION_TIMEOUT = Duration.ofSeconds(30);

  /** Asynchronous dispatch with the default assign timeout. */
  static Async async() {
    return new Async(DEFAULT_ASSIGN_TIMEOUT);
  }

  /** Synchronous dispatch with the default assign and execution timeouts. */
  static Sync sync() {
    return new Sync(DEFAULT_ASSIGN_TIMEOUT, DEFAULT_EXECUTION_TIMEOUT);
  }

  /** The longest wait for a handler to accept the command. */
  Duration assignTimeout();

  /**
   * Returns once a handler accepted the command; its outcome goes only to the bus's {@link
   * CommandReporter}.
   *
   * @param assignTimeout the longest wait for a handler to accept; positive
   */
  record Async(Duration assignTimeout) implements DispatchOptions {
    /** Validates the timeout. */
    public Async {
      requirePositive(assignTimeout, "assignTimeout");
    }

    /** A copy with another assign timeout. */
    public Async withAssignTimeout(Duration timeout) {
      return new Async(timeout);
    }
  }

  /**
   * Returns when the handler finished; a failure is rethrown as a {@link
   * CommandExecutionException}.
   *
   * @param assignTimeout the longest wait for a handler to accept; positive
   * @param executionTimeout the longest wait, after acceptance, for the handler to finish; positive
   */
  record Sync(Duration assignTimeout, Duration executionTimeout) implements DispatchOptions {
    /** Validates the timeouts. */
    public Sync {
      requirePositive(assignTimeout, "assignTimeout");
      requirePositive(executionTimeout, "executionTimeout");
    }

    /** A copy with another assign timeout. */
    public Sync withAssignTimeout(Duration timeout) {
      return new Sync(timeout, executionTimeout);
    }

    /** A copy with another execution timeout. */
    public Sync withExecutionTimeout(Duration timeout) {
      return new Sync(assignTimeout, timeout);
    }
  }

  private static void requirePositive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }
}
