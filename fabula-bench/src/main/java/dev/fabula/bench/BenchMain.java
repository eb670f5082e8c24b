package dev.fabula.bench;

import dev.fabula.bench.fabula.FabulaSubject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks and prints the comparison table ({@code run.sh} starts it).
 *
 * <pre>
 * BenchMain [--smoke] [--out FILE] [JMH options...]
 * </pre>
 * <ul>
 *   <li>{@code --smoke}: tiny counts, one fork, one short warmup and measurement iteration
 *       each: checks that every benchmark still works, measures nothing worth reading;</li>
 *   <li>{@code --out FILE}: the JMH JSON result file (default {@code target/jmh-result.json});</li>
 *   <li>anything else goes to JMH as on its own command line (a benchmark regex,
 *       {@code -p side=axon}, {@code -f 2}, ...).</li>
 * </ul>
 * A side whose subject is not wired at all (its {@code reset()} throws
 * {@link UnsupportedOperationException}) is left out of the run; a side that lacks only some
 * methods fails those benchmarks only. Either way its cells read "n/a".
 */
public final class BenchMain {

    private BenchMain() {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     * @throws Exception when JMH cannot run or the result cannot be read
     */
    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        Path out = Path.of("target", "jmh-result.json");
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                default -> jmhArgs.add(args[i]);
            }
        }
        CommandLineOptions cli = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        ChainedOptionsBuilder options = new OptionsBuilder()
                .parent(cli)
                .resultFormat(ResultFormatType.JSON)
                .result(out.toString());
        if (cli.getIncludes().isEmpty()) {
            options.include("dev\\.fabula\\.bench\\..*Benchmark\\.");
        }
        if (smoke) {
            options.forks(1)
                    .warmupIterations(1)
                    .warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(500))
                    .param("aggregates", "20")
                    .param("aggregatesPerThread", "5")
                    .param("streamLength", "1000")
                    .param("events", "20000");
        }
        if (!cli.getParameter("side").hasValue() && !fabulaWired()) {
            System.out.println("# Fabula side not wired yet (FabulaSubject.reset() throws): running Axon only.");
            options.param("side", Sides.AXON);
        }
        new Runner(options.build()).run();
        System.out.println();
        ResultTable.print(out, System.out);
    }

    private static boolean fabulaWired() {
        try (BenchSubject fabula = new FabulaSubject(Backend.MEMORY, false)) {
            fabula.reset();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }
}
