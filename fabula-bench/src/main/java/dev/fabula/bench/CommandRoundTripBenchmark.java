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
 * Workload 6: the in-process command round trip, dispatch of a change-price command through
 * the side's command bus and wait for its result, one caller thread, round-robin over
 * {@link #aggregates} products. {@code latency} samples each call (p50/p99 in µs),
 * {@code throughput} counts calls/s. The store is emptied every iteration.
 */
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class CommandRoundTripBenchmark extends ProductsState {

    private long send() {
        long n = nextNumber();
        return subject.roundTrip(product(n), n);
    }

    /**
     * Latency distribution of one round trip.
     *
     * @return the command's result
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long latency() {
        return send();
    }

    /**
     * Round trips per second.
     *
     * @return the command's result
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long throughput() {
        return send();
    }
}
