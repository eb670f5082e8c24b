package dev.fabula.command;

import java.time.Duration;
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
 * @param callerRuns whether a {@linkplain DispatchOptions.Sync synchronous} dispatch on an
 *     {@linkplain CommandBuses#inProcess in-process} bus runs the handler on the dispatching thread
 *     instead of handing it to a virtual thread of its own; off by default. It saves a thread
 *     hand-off per command. The handler still takes one of the {@link #concurrency()} slots (the
 *     assign timeout bounds the wait for it), its outcome is reported and its failure rethrown as
 *     usual, and {@link CommandBus#close()} lets a handler that already started finish. But the
 *     dispatching thread runs the handler to completion, so the {@linkplain
 *     DispatchOptions.Sync#executionTimeout() execution timeout} is not enforced: only the
 *     handler's own timeouts (of its I/O, say) bound the call, and a handler that runs past the
 *     execution timeout still has its result returned (or its failure rethrown) — the execution
 *     timeout applies only to a handler that runs on its own thread. The handler also shares the
 *     dispatching thread's state: it sees its thread locals, and interrupting the dispatching
 *     thread interrupts the handler. Asynchronous dispatch always
 *     runs the handler on its own virtual thread. {@linkplain CommandBuses#distributed Distributed}
 *     buses ignore this option: their commands may be executed by another process.
 * @param affinityWait how long a {@linkplain CommandBuses#distributed distributed} bus, dispatching
 *     a command for an aggregate, holds out for the bus that accepted the previous command for that
 *     aggregate (while other buses already offered to run it) before it gives the command to one
 *     of the others; zero or more. The owner's request normally comes at once: the wait matters
 *     only when all its handler slots are busy (the command then waits for a slot there, which
 *     keeps its cache and turn-taking useful) or when it is gone (one command per aggregate then
 *     pays the wait, and the aggregate moves to the bus that ran it). An owner whose handler or
 *     filter does not take the command says so at once. {@link Duration#ZERO} turns affinity off:
 *     each command goes to whichever bus asks first. Capped at half the dispatch's assign timeout.
 *     In-process buses ignore it.
 */
public record CommandBusOptions(
    int concurrency,
    int queueCapacity,
    CommandReporter reporter,
    boolean callerRuns,
    Duration affinityWait) {
  /** The default concurrency: 256 handler executions at once. */
  public static final int DEFAULT_CONCURRENCY = 256;

  /** The default queue capacity: 16384 offered commands. */
  public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

  /** The default affinity wait: 250 ms. */
  public static final Duration DEFAULT_AFFINITY_WAIT = Duration.ofMillis(250);

  /** Validates the options. */
  public CommandBusOptions {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
    }
    Objects.requireNonNull(reporter, "reporter");
    Objects.requireNonNull(affinityWait, "affinityWait");
    if (affinityWait.isNegative()) {
      throw new IllegalArgumentException("affinityWait must not be negative, got " + affinityWait);
    }
  }

  /**
   * {@value #DEFAULT_CONCURRENCY} concurrent executions, {@value #DEFAULT_QUEUE_CAPACITY} queued
   * offers, no reporter, every handler on its own thread, {@link #DEFAULT_AFFINITY_WAIT}.
   */
  public static CommandBusOptions defaults() {
    return new CommandBusOptions(
        DEFAULT_CONCURRENCY,
        DEFAULT_QUEUE_CAPACITY,
        CommandReporter.none(),
        false,
        DEFAULT_AFFINITY_WAIT);
  }

  /** A copy with another concurrency. */
  public CommandBusOptions withConcurrency(int newConcurrency) {
    return new CommandBusOptions(newConcurrency, queueCapacity, reporter, callerRuns, affinityWait);
  }

  /** A copy with another queue capacity. */
  public CommandBusOptions withQueueCapacity(int capacity) {
    return new CommandBusOptions(concurrency, capacity, reporter, callerRuns, affinityWait);
  }

  /** A copy with another reporter. */
  public CommandBusOptions withReporter(CommandReporter newReporter) {
    return new CommandBusOptions(concurrency, queueCapacity, newReporter, callerRuns, affinityWait);
  }

  /** A copy that does, or does not, run synchronous handlers on the dispatching thread. */
  public CommandBusOptions withCallerRuns(boolean runOnCaller) {
    return new CommandBusOptions(concurrency, queueCapacity, reporter, runOnCaller, affinityWait);
  }

  /** A copy with another affinity wait ({@link Duration#ZERO} turns affinity off). */
  public CommandBusOptions withAffinityWait(Duration wait) {
    return new CommandBusOptions(concurrency, queueCapacity, reporter, callerRuns, wait);
  }
}
