package dev.fabula.bench;

import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Workload 5: concurrent writers, one event per command as in {@link AppendBenchmark}.
 * <ul>
 *   <li>{@code distinct2}, {@code distinct8}: 2 or 8 threads, each on its own products;</li>
 *   <li>{@code hot8}: 8 threads on one product, retrying on concurrency conflicts; its score
 *       counts committed commands only, and the {@code conflicts} counter reports retried
 *       conflicts per second;</li>
 *   <li>{@code hot8Processes}: the same 8 threads on one product, split over two "processes"
 *       ({@link BenchSubject#appendOneAttemptIn}: a repository and store each, no in-process
 *       turns for Fabula), retrying a conflict at once; counted like {@code hot8}.</li>
 * </ul>
 * The store is emptied and the products created again every iteration. Score: committed
 * events/s over all threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class ConcurrentWritersBenchmark extends CommandState {

    /** Products per writer thread on the distinct workloads. */
    @Param("100")
    public int aggregatesPerThread;

    private volatile UUID[] pool;
    private volatile UUID hot;

    /** Empties the store and creates the products: 8 threads' worth plus the hot one. */
    @Setup(Level.Iteration)
    public void fill() {
        subject.reset();
        pool = Sides.createProducts(subject, 8 * aggregatesPerThread);
        hot = Sides.createProducts(subject, 1)[0];
    }

    /** The products of one writer thread. */
    @State(Scope.Thread)
    public static class Writer {
        private UUID[] mine;
        private long next;

        /**
         * Takes this thread's slice of the pool.
         *
         * @param bench   the benchmark state, already filled for this iteration
         * @param threads which thread this is
         */
        @Setup(Level.Iteration)
        public void take(ConcurrentWritersBenchmark bench, ThreadParams threads) {
            int per = bench.aggregatesPerThread;
            int from = threads.getThreadIndex() * per;
            mine = Arrays.copyOfRange(bench.pool, from, from + per);
        }

        UUID nextId() {
            return mine[(int) (next++ % mine.length)];
        }
    }

    /**
     * What one thread's attempts on the hot product came to; JMH reports both counters per
     * second of the thread's measured window.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Outcomes {
        /** Attempts that committed their event. */
        public long commits;
        /** Attempts that lost to another writer and stored nothing. */
        public long conflicts;
        private int streak;

        /** Starts each iteration from zero. */
        @Setup(Level.Iteration)
        public void clear() {
            commits = 0;
            conflicts = 0;
            streak = 0;
        }
    }

    /**
     * Two threads, distinct products.
     *
     * @param writer this thread's products
     * @return the command's result
     */
    @Benchmark
    @Threads(2)
    public long distinct2(Writer writer) {
        return subject.appendOne(writer.nextId(), writer.next);
    }

    /**
     * Eight threads, distinct products.
     *
     * @param writer this thread's products
     * @return the command's result
     */
    @Benchmark
    @Threads(8)
    public long distinct8(Writer writer) {
        return subject.appendOne(writer.nextId(), writer.next);
    }

    /**
     * Eight threads, one product: one attempt per invocation, a conflict is paused on (the
     * repository's back-off) and retried by the next invocation. The primary score counts
     * attempts; the {@code commits} and {@code conflicts} counters split them.
     *
     * @param outcomes this thread's counters
     */
    @Benchmark
    @Threads(8)
    public void hot8(Outcomes outcomes) {
        if (subject.appendOneAttempt(hot, outcomes.commits + 1, outcomes.streak + 1)) {
            outcomes.commits++;
            outcomes.streak = 0;
        } else {
            outcomes.conflicts++;
            outcomes.streak++;
        }
    }

    /**
     * Eight threads, one product, as two processes of four writers each: one attempt per
     * invocation through this thread's process, a conflict retried at once by the next
     * invocation. Counted like {@link #hot8}.
     *
     * @param outcomes this thread's counters
     * @param threads  which thread this is (even threads are process 0, odd ones process 1)
     */
    @Benchmark
    @Threads(8)
    public void hot8Processes(Outcomes outcomes, ThreadParams threads) {
        int process = threads.getThreadIndex() % BenchSubject.PROCESSES;
        if (subject.appendOneAttemptIn(process, hot, outcomes.commits + 1)) {
            outcomes.commits++;
        } else {
            outcomes.conflicts++;
        }
    }
}
