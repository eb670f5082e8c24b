package dev.fabula.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What every workload shares: which side runs it ({@link #side}) on which backend
 * ({@link #backend}), opened once per trial and emptied and closed after it. Subclasses add
 * their own set-up in {@link #prepare()}.
 */
@State(Scope.Benchmark)
public abstract class SideState {

    /** Which framework runs the workload. */
    @Param({Sides.FABULA, Sides.AXON})
    public String side;

    /** Where the events are kept. */
    @Param({"memory", "postgres"})
    public String backend;

    /** The side under test, open during the trial. */
    protected BenchSubject subject;

    /** Opens the side, then runs the workload's own set-up. */
    @Setup(Level.Trial)
    public void open() {
        subject = Sides.open(side, backend, cached());
        prepare();
    }

    /** Whether the side caches aggregates between commands; no by default. */
    protected boolean cached() {
        return false;
    }

    /** The workload's set-up once the side is open; nothing by default. */
    protected void prepare() {
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
}
