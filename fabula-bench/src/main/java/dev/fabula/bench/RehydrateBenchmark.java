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
 * Workload 3: load one product whose stream holds {@link #streamLength} events, once without a
 * snapshot (every event is read and applied) and once from a snapshot taken at its last
 * version. Score: loads/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class RehydrateBenchmark extends SideState {

    /** Length of the product's stream. */
    @Param("10000")
    public int streamLength;

    private final UUID plain = UUID.randomUUID();
    private final UUID snapshotted = UUID.randomUUID();

    /** Writes the two products, and snapshots one of them. */
    @Override
    protected void prepare() {
        subject.reset();
        subject.appendBatch(plain, streamLength);
        subject.appendBatch(snapshotted, streamLength);
        subject.snapshot(snapshotted);
    }

    /**
     * Loads the product from all its events.
     *
     * @return its price
     */
    @Benchmark
    public long noSnapshot() {
        return subject.rehydrate(plain);
    }

    /**
     * Loads the product from its snapshot.
     *
     * @return its price
     */
    @Benchmark
    public long withSnapshot() {
        return subject.rehydrate(snapshotted);
    }
}
