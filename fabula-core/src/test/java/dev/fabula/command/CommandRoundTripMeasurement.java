package dev.fabula.command;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.EventBus;
import dev.fabula.memory.InMemory;
import java.util.Arrays;
import java.util.Locale;

/**
 * Not a test: a recorded measurement of the synchronous command round trip (dispatch, handler,
 * result back to the caller), one command at a time, for the in-process bus and for two
 * distributed buses (dispatcher and handler) over the in-memory event bus. Prints p50, p99 and
 * p99.9 in microseconds, with the caller on a platform thread and on a virtual thread. A JMH benchmark in {@code fabula-bench} is the authoritative number.
 *
 * <p>Run: {@code mvn -q -pl fabula-core test-compile} then {@code java -cp
 * fabula-core/target/classes:fabula-core/target/test-classes:<jspecify.jar>
 * dev.fabula.command.CommandRoundTripMeasurement [iterations]}.
 */
final class CommandRoundTripMeasurement {
  record Ping(int n) {}

  private CommandRoundTripMeasurement() {}

  public static void main(String[] args) throws InterruptedException {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    System.out.println("caller on a platform thread:");
    measureBoth(iterations);
    System.out.println("caller on a virtual thread:");
    Thread caller = Thread.ofVirtual().start(() -> measureBoth(iterations));
    caller.join();
  }

  private static void measureBoth(int iterations) {
    try (CommandBus bus = CommandBuses.inProcess()) {
      bus.handle("ping", Ping.class, c -> {});
      report("in-process", measure(bus, iterations));
    }
    var codec =
        new TestCodec(CommandBuses.registerProtocol(CodecRegistry.builder()).register("ping", Ping.class).build());
    try (EventBus events = InMemory.eventBus();
        CommandBus handler = CommandBuses.distributed(events, codec);
        CommandBus dispatcher = CommandBuses.distributed(events, codec)) {
      handler.handle("ping", Ping.class, c -> {});
      report("distributed, in-memory event bus", measure(dispatcher, iterations));
    }
  }

  private static long[] measure(CommandBus bus, int iterations) {
    DispatchOptions options = DispatchOptions.sync();
    for (int i = 0; i < iterations; i++) { // warm-up
      bus.dispatch(Command.create("ping", new Ping(i)), options);
    }
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      Command<Ping> command = Command.create("ping", new Ping(i));
      long start = System.nanoTime();
      bus.dispatch(command, options);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    return nanos;
  }

  private static void report(String what, long[] sorted) {
    System.out.printf(
        Locale.ROOT,
        "%-34s n=%d  p50=%.1f us  p99=%.1f us  p99.9=%.1f us%n",
        what,
        sorted.length,
        at(sorted, 0.50),
        at(sorted, 0.99),
        at(sorted, 0.999));
  }

  private static double at(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1000.0;
  }
}
