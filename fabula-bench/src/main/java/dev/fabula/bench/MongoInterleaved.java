package dev.fabula.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * A control for the MongoDB rows on a busy machine, outside JMH: Fabula's and the raw side's
 * benchmark methods ({@link MongoBenchmark}, {@link RawMongoBenchmark}) called alternately in
 * one JVM against one in-process server, in chunks of operations, the side that goes first
 * swapping every chunk, so that the machine's drift (which moves a JMH fork's figure by up to
 * 10x here) hits both sides alike. Prints, per write workload, each side's rate over all chunks
 * and the median and quartiles of Fabula/raw per chunk; then the time of one rehydrate of each
 * side, alternately.
 *
 * <pre>
 * java -cp fabula-bench/target/benchmarks.jar dev.fabula.bench.MongoInterleaved [chunks [opsPerChunk]]
 * </pre>
 * Defaults: 40 chunks of 100 operations, after 2,000 warm-up operations of each side. Takes
 * about a minute. Not a benchmark: no JMH forks, no dead-code protection beyond using results.
 */
public final class MongoInterleaved {

    private MongoInterleaved() {
    }

    /**
     * Runs the control.
     *
     * @param args chunks and operations per chunk (optional)
     */
    public static void main(String[] args) {
        int chunks = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int per = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        MongoBenchmark fabula = new MongoBenchmark();
        RawMongoBenchmark raw = new RawMongoBenchmark();
        MongoBenchmark.Writes fw = new MongoBenchmark.Writes();
        fw.side = Sides.FABULA;
        fw.backend = ResultTable.MONGODB;
        fw.aggregates = 1000;
        RawMongoBenchmark.Writes rw = new RawMongoBenchmark.Writes();
        rw.aggregates = 1000;
        try {
            fw.open();
            rw.open();
            writes("append 1 event", 1, chunks, per, () -> fabula.appendOne(fw), () -> raw.appendOne(rw));
            writes("append 1 event, raw side reads the previous version first", 1, chunks, per,
                    () -> fabula.appendOne(fw), () -> raw.appendOneAfterRead(rw));
            writes("append batch of 10", 10, chunks, per, () -> fabula.appendBatch10(fw), () -> raw.appendBatch10(rw));
        } finally {
            fw.close();
            rw.close();
        }
        MongoBenchmark.Stream10k fs = new MongoBenchmark.Stream10k();
        fs.side = Sides.FABULA;
        fs.backend = ResultTable.MONGODB;
        fs.streamLength = 10_000;
        RawMongoBenchmark.Stream10k rs = new RawMongoBenchmark.Stream10k();
        rs.streamLength = 10_000;
        try {
            fs.open();
            rs.open();
            for (int i = 0; i < 5; i++) { // warm-up
                fabula.rehydrate10k(fs);
                raw.rehydrate10k(rs);
            }
            long f = 0;
            long r = 0;
            long sum = 0;
            for (int i = 0; i < 50; i++) {
                long t0 = System.nanoTime();
                sum += i % 2 == 0 ? fabula.rehydrate10k(fs) : raw.rehydrate10k(rs);
                long t1 = System.nanoTime();
                sum += i % 2 == 0 ? raw.rehydrate10k(rs) : fabula.rehydrate10k(fs);
                long t2 = System.nanoTime();
                f += i % 2 == 0 ? t1 - t0 : t2 - t1;
                r += i % 2 == 0 ? t2 - t1 : t1 - t0;
            }
            System.out.printf(Locale.ROOT, "rehydrate %,d events: Fabula %.1f ms, raw %.1f ms per load, Fabula/raw %.2f"
                    + " (checksum %d)%n", fs.streamLength, f / 50e6, r / 50e6, (double) r / f, sum);
        } finally {
            fs.close();
            rs.close();
        }
        System.exit(0); // the in-process server's threads
    }

    private static void writes(String label, int events, int chunks, int per, Runnable fabula, Runnable raw) {
        for (int i = 0; i < 2000; i++) {
            fabula.run();
            raw.run();
        }
        double[] ratios = new double[chunks];
        long fabulaNanos = 0;
        long rawNanos = 0;
        for (int c = 0; c < chunks; c++) {
            long f = 0;
            long r = 0;
            for (int turn = 0; turn < 2; turn++) {
                boolean fabulaNow = (c + turn) % 2 == 0;
                Runnable side = fabulaNow ? fabula : raw;
                long t0 = System.nanoTime();
                for (int i = 0; i < per; i++) {
                    side.run();
                }
                long t = System.nanoTime() - t0;
                if (fabulaNow) {
                    f = t;
                } else {
                    r = t;
                }
            }
            fabulaNanos += f;
            rawNanos += r;
            ratios[c] = (double) r / f;
        }
        Arrays.sort(ratios);
        double total = (double) chunks * per * events;
        System.out.printf(Locale.ROOT, "%s: Fabula %,.0f events/s, raw %,.0f events/s; Fabula/raw %.2f overall,"
                        + " per chunk median %.2f (quartiles %.2f-%.2f) over %d chunks of %d operations%n",
                label, total / (fabulaNanos / 1e9), total / (rawNanos / 1e9), (double) rawNanos / fabulaNanos,
                ratios[chunks / 2], ratios[chunks / 4], ratios[(3 * chunks) / 4], chunks, per);
    }
}
