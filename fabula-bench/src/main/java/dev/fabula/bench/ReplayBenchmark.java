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
 * Workload 4: replay the whole store ({@link #events} events, written as commands of 1,000
 * events per product) into a counting projection. Each invocation is one full replay, timed
 * once (single shot); the table turns the time into events/s.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class ReplayBenchmark extends SideState {

    /** Events in the store. */
    @Param("1000000")
    public long events;


    /** Writes the events. */
    @Override
    protected void prepare() {
        subject.reset();
        Sides.seed(subject, events);
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
