package dev.fabula.bench;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload 1: one event per command through the aggregate (load, raise one
 * {@code PriceChanged}, save), round-robin over {@link #aggregates} products. Every iteration
 * starts from an empty store holding just those products, so the streams grow by the same
 * amount in every iteration. Score: events/s (= commands/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class AppendBenchmark extends ProductsState {

    /**
     * One command, one event.
     *
     * @return the command's result
     */
    @Benchmark
    public long appendOne() {
        long n = nextNumber();
        return subject.appendOne(product(n), n);
    }
}
