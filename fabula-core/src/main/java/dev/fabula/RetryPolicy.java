package dev.fabula;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently to retry an operation that failed with a {@link
 * TransientException}: at most {@code maxAttempts} attempts in all, waiting a random time between
 * zero and an exponentially growing bound between attempts ("full jitter"), so that competing
 * writers spread out instead of colliding again.
 *
 * @param maxAttempts attempts in all, including the first; 1 means no retry
 * @param initialBackoff bound of the first wait
 * @param maxBackoff upper bound of any wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  private static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  private static final RetryPolicy DEFAULTS =
      new RetryPolicy(8, Duration.ofMillis(2), Duration.ofMillis(200));

  /** Validates the policy. */
  public RetryPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initialBackoff <= maxBackoff, got " + initialBackoff + " and " + maxBackoff);
    }
  }

  /** Eight attempts, waits bounded by 2 ms doubling up to 200 ms. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** A single attempt: no retry. */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * A random wait before attempt {@code attempt + 1}, after {@code attempt} failed attempts.
   *
   * @param attempt failed attempts so far, at least 1
   */
  public Duration backoff(int attempt) {
    long bound = initialBackoff.toNanos() << Math.min(Math.max(attempt - 1, 0), 30);
    if (bound <= 0 || bound > maxBackoff.toNanos()) {
      bound = maxBackoff.toNanos();
    }
    return bound == 0 ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(bound + 1));
  }

  /** Sleeps for {@link #backoff(int)}; an interrupt is turned into an unchecked exception. */
  public void pause(int attempt) {
    Duration wait = backoff(attempt);
    if (wait.isZero()) {
      return;
    }
    try {
      Thread.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while waiting to retry", e);
    }
  }
}
