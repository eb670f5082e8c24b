package dev.fabula.command;

import java.util.Objects;

/**
 * How a {@link CommandBus} executes commands.
 *
 * @param concurrency how many handlers may run at once on this bus; at least 1. A bus asks for a
 *     command only when it can start it at once, so it never accepts a command it cannot run.
 * @param queueCapacity how many offered commands a busy bus remembers, to ask for them as soon as
 *     a handler slot frees up; at least 1. When full, the bus declines further offers (another bus,
 *     or the dispatcher's assign timeout, deals with them).
 * @param reporter receives every executed command's outcome and runtime
 */
public record CommandBusOptions(int concurrency, int queueCapacity, CommandReporter reporter) {
  /** The default concurrency: 256 handler executions at once. */
  public static final int DEFAULT_CONCURRENCY = 256;

  /** The default queue capacity: 16384 offered commands. */
  public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

  /** Validates the options. */
  public CommandBusOptions {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
    }
    Objects.requireNonNull(reporter, "reporter");
  }

  /** {@value #DEFAULT_CONCURRENCY} concurrent executions, no reporter. */
  public static CommandBusOptions defaults() {
    return new CommandBusOptions(DEFAULT_CONCURRENCY, DEFAULT_QUEUE_CAPACITY, CommandReporter.none());
  }

  /** A copy with another concurrency. */
  public CommandBusOptions withConcurrency(int newConcurrency) {
    return new CommandBusOptions(newConcurrency, queueCapacity, reporter);
  }

  /** A copy with another queue capacity. */
  public CommandBusOptions withQueueCapacity(int capacity) {
    return new CommandBusOptions(concurrency, capacity, reporter);
  }

  /** A copy with another reporter. */
  public CommandBusOptions withReporter(CommandReporter newReporter) {
    return new CommandBusOptions(concurrency, queueCapacity, newReporter);
  }
}
