package dev.fabula.command;

import dev.fabula.FabulaException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/** Bounded waits on futures, turning their checked exceptions into Fabula's unchecked ones. */
final class Waits {
  private Waits() {}

  /**
   * The future's value, or {@code null} when it did not complete within {@code timeout}.
   *
   * @throws RuntimeException the exception the future completed with
   */
  static <T> @Nullable T await(CompletableFuture<T> future, Duration timeout) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new FabulaException("dispatch failed", e.getCause() == null ? e : e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while waiting for a command", e);
    }
  }
}
