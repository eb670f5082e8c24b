package dev.fabula.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks and prints the comparison table ({@code run.sh} starts it).
 *
 * <pre>
 * BenchMain [--smoke] [--rounds N] [--out FILE] [JMH options...]
 * </pre>
 * <ul>
 *   <li>{@code --smoke}: tiny counts, one fork, one short warmup and measurement iteration
 *       each: checks that every benchmark still works, measures nothing worth reading;</li>
 *   <li>{@code --rounds N}: run each workload's participants (raw JDBC ceilings or the raw
 *       jnats client, Fabula, Axon where the workload has it)
 *       back to back, N times over, before the next workload (see {@link Rounds}); the table
 *       shows medians over the rounds and in how many rounds Fabula was ahead (default
 *       {@value #ROUNDS}, each of one 3 s warmup and two 3 s measured iterations unless the
 *       JMH options say otherwise; 1 with {@code --smoke});</li>
 *   <li>{@code --out FILE}: the results as a JSON array of JMH results, each with its
 *       {@code round} (default {@code target/jmh-result.json}); written after every step, so
 *       an interrupted run keeps what it measured;</li>
 *   <li>anything else goes to JMH as on its own command line (a benchmark regex,
 *       {@code -p side=axon}, {@code -i 2}, ...).</li>
 * </ul>
 * A benchmark that fails leaves its cells "n/a" and the run goes on.
 */
public final class BenchMain {

    private BenchMain() {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     * @throws Exception when JMH cannot run or the result cannot be written
     */
    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        int rounds = 0;
        Path out = Path.of("target", "jmh-result.json");
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> jmhArgs.add(args[i]);
            }
        }
        if (rounds == 0) {
            rounds = smoke ? 1 : ROUNDS;
        }
        CommandLineOptions cli = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        ChainedOptionsBuilder options = new OptionsBuilder().parent(new CommandLineOptions(
                Rounds.withoutIncludes(jmhArgs, cli.getIncludes()).toArray(String[]::new)));
        Options base = (smoke ? smoke(options) : roundIterations(options, cli)).build();
        List<Rounds.Step> steps = Rounds.plan(ResultTable.rows(), rounds, cli);
        if (steps.isEmpty()) {
            System.err.println("BenchMain: no benchmark matches " + cli.getIncludes());
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = json.createArrayNode();
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        int done = 0;
        for (Rounds.Step step : steps) {
            System.out.printf("%n# step %d of %d, %s%n", ++done, steps.size(), step);
            for (JsonNode result : json.readTree(run(step, base))) {
                results.add(((ObjectNode) result).put("round", step.round()));
            }
            json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), results);
        }
        System.out.println();
        ResultTable.print(out, System.out);
    }

    /** Rounds of a run without {@code --rounds}. */
    static final int ROUNDS = 3;

    /**
     * A round's iterations, unless the command line sets them: one warmup and two measured
     * iterations of 3 s (single-shot benchmarks: one warmup shot, two measured). Over
     * {@value #ROUNDS} rounds that is 18 s measured per side and workload.
     */
    private static ChainedOptionsBuilder roundIterations(ChainedOptionsBuilder options, Options cli) {
        if (!cli.getWarmupIterations().hasValue()) {
            options.warmupIterations(1);
        }
        if (!cli.getWarmupTime().hasValue()) {
            options.warmupTime(TimeValue.seconds(3));
        }
        if (!cli.getMeasurementIterations().hasValue()) {
            options.measurementIterations(2);
        }
        if (!cli.getMeasurementTime().hasValue()) {
            options.measurementTime(TimeValue.seconds(3));
        }
        return options;
    }

    private static ChainedOptionsBuilder smoke(ChainedOptionsBuilder options) {
        return options.shouldFailOnError(true) // CI's smoke run fails when a benchmark does
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(500))
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(500))
                .param("aggregates", "20")
                .param("aggregatesPerThread", "5")
                .param("streamLength", "1000")
                .param("events", "20000");
    }

    /** Runs one step in JMH and returns its results as JMH's JSON (an array). */
    private static String run(Rounds.Step step, Options base) throws RunnerException, IOException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .parent(base)
                .include("^" + Pattern.quote(step.name()) + "$");
        if (!step.raw()) {
            options.param("side", step.side()).param("backend", step.backend());
            if (!step.cache().isEmpty()) {
                options.param("cache", step.cache());
            }
        }
        Collection<RunResult> runs = new Runner(options.build()).run();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, print).writeOut(runs);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
