package dev.fabula.bench;

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
 * Workload 4, bounded memory: the same replay as {@link ReplayBenchmark} from PostgreSQL, in a
 * JVM with a 128 MB heap. It proves that replay streams rather than loads the store: it must
 * complete (an {@code OutOfMemoryError} fails the benchmark and shows as "n/a").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx128m")
@Warmup(iterations = 1)
@Measurement(iterations = 2)
public class ReplaySmallHeapBenchmark {

    /** Which framework runs the workload. */
    @Param({Sides.FABULA, Sides.AXON})
    public String side;

    /** Events in the store. */
    @Param("1000000")
    public long events;

    private BenchSubject subject;

    /** Writes the events. */
    @Setup(Level.Trial)
    public void open() {
        subject = Sides.open(side, "postgres", false);
        subject.reset();
        Sides.seed(subject, events);
    }

    /** Empties the store and closes the side. */
    @TearDown(Level.Trial)
    public void close() {
        try {
            subject.reset();
        } finally {
            subject.close();
        }
    }

    /**
     * One full replay.
     *
     * @return the number of events counted
     */
    @Benchmark
    public long replay() {
        return Sides.replayAll(subject, events);
    }
}
