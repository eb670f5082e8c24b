package dev.fabula.bench;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload 2: one command raising many events at once, saved together (one transaction on
 * PostgreSQL): a batch of 10 and a bulk of 1,000. Each command creates a new product with
 * {@code ProductCreated} and then {@code PriceChanged} events, so no load is involved and the
 * cost is the append. The store is emptied every iteration. Score: events/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class BatchAppendBenchmark extends SideState {

    private final long run = System.nanoTime();
    private long next;

    /** Empties the store. */
    @Setup(Level.Iteration)
    public void empty() {
        subject.reset();
    }

    private UUID nextId() {
        return new UUID(run, next++);
    }

    /** One command, 10 events. */
    @Benchmark
    @OperationsPerInvocation(10)
    public void batch10() {
        subject.appendBatch(nextId(), 10);
    }

    /** One command, 1,000 events. */
    @Benchmark
    @OperationsPerInvocation(1000)
    public void bulk1000() {
        subject.appendBatch(nextId(), 1000);
    }
}
