package dev.fabula.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A control for the workflow row on a busy machine, outside JMH: {@link WorkflowBenchmark#trigger}
 * and {@link WorkflowFloorBenchmark#repositoryUse} called alternately in one JVM, each on its own
 * schema, in chunks of invocations ({@value WorkflowBenchmark#BATCH} triggers each), the side that
 * goes first swapping every chunk, so that the machine's drift hits both alike. Prints each side's
 * rate over all chunks and the median and quartiles of workflow/floor per chunk.
 *
 * <pre>
 * java -cp fabula-bench/target/benchmarks.jar dev.fabula.bench.WorkflowInterleaved [chunks [invocationsPerChunk]]
 * </pre>
 * Defaults: 20 chunks of 5 invocations, after 10 warm-up invocations of each side. Not a
 * benchmark: no JMH forks.
 */
public final class WorkflowInterleaved {

    private WorkflowInterleaved() {
    }

    /**
     * Runs the control.
     *
     * @param args chunks and invocations per chunk (optional)
     */
    public static void main(String[] args) {
        int chunks = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int per = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        WorkflowBenchmark workflow = new WorkflowBenchmark();
        workflow.side = Sides.FABULA;
        workflow.backend = ResultTable.WORKFLOW;
        workflow.aggregates = 1000;
        WorkflowFloorBenchmark floor = new WorkflowFloorBenchmark();
        floor.aggregates = 1000;
        try {
            workflow.open();
            floor.open();
            for (int i = 0; i < 10; i++) {
                workflow.trigger();
                floor.repositoryUse();
            }
            long workflowNanos = 0;
            long floorNanos = 0;
            List<Double> ratios = new ArrayList<>();
            for (int c = 0; c < chunks; c++) {
                long w = 0;
                long f = 0;
                for (int turn = 0; turn < 2; turn++) {
                    boolean workflowNow = (turn == 0) == (c % 2 == 0);
                    long start = System.nanoTime();
                    for (int i = 0; i < per; i++) {
                        if (workflowNow) {
                            workflow.trigger();
                        } else {
                            floor.repositoryUse();
                        }
                    }
                    long took = System.nanoTime() - start;
                    if (workflowNow) {
                        w = took;
                    } else {
                        f = took;
                    }
                }
                workflowNanos += w;
                floorNanos += f;
                ratios.add((double) f / w); // rates: workflow/floor = floor time / workflow time
            }
            double triggers = (double) chunks * per * WorkflowBenchmark.BATCH;
            ratios.sort(null);
            System.out.printf(Locale.ROOT, "workflow %.0f triggers/s, floor %.0f triggers/s, workflow/floor"
                    + " %.2f over all; per chunk median %.2f (quartiles %.2f-%.2f)%n",
                    triggers / (workflowNanos / 1e9), triggers / (floorNanos / 1e9),
                    (double) floorNanos / workflowNanos, ratios.get(ratios.size() / 2),
                    ratios.get(ratios.size() / 4), ratios.get(3 * ratios.size() / 4));
        } finally {
            workflow.close();
            floor.close();
        }
    }
}
