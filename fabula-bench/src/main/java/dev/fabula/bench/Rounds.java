package dev.fabula.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.util.Optional;

/**
 * The order in which {@link BenchMain} runs the benchmarks: workload by workload, each
 * workload's participants (the raw JDBC or raw NATS benchmarks it is compared with, Fabula, Axon
 * where it has an Axon side) back to back,
 * the whole set repeated {@code rounds} times before the next workload starts. Fabula and Axon
 * swap places every round.
 *
 * <p>This is what makes one run's ratios trustworthy on a shared machine: the PostgreSQL
 * server's commit latency drifts by up to 2x over minutes, so sides measured half an hour apart
 * (as in one plain JMH run over every parameter) meet different disks. Run back to back and
 * repeated, they meet the same one, and the table compares medians over the rounds.
 */
final class Rounds {

    private static final String PKG = "dev.fabula.bench.";

    /**
     * One JMH run to make.
     *
     * @param round   1-based round number
     * @param bench   benchmark as {@code Class.method}
     * @param side    {@link Sides#FABULA}, {@link Sides#AXON}, or "" for a raw (JDBC, jnats or MongoDB driver) benchmark
     * @param backend {@code memory}, {@code postgres}, {@code nats} or {@code mongodb}
     * @param cache   the {@code cache} parameter, or "" for workloads without one
     */
    record Step(int round, String bench, String side, String backend, String cache) {

        /** The benchmark's full name, as JMH reports it. */
        String name() {
            return PKG + bench;
        }

        /** Whether this is the raw JDBC ceiling rather than a side. */
        boolean raw() {
            return side.isEmpty();
        }

        private String rawLabel() {
            return switch (backend) {
                case ResultTable.NATS -> " (raw jnats)";
                case ResultTable.MONGODB -> " (raw driver)";
                case ResultTable.WORKFLOW -> " (Repository.use floor)";
                default -> " (raw JDBC)";
            };
        }

        @Override
        public String toString() {
            return "round " + round + ": " + bench + (raw() ? rawLabel()
                    : " side=" + side + " backend=" + backend + (cache.isEmpty() ? "" : " cache=" + cache));
        }
    }

    private Rounds() {
    }

    /**
     * The steps of a run, in order.
     *
     * @param rows   the table's rows, in table order (they name the workloads and their raw ceilings)
     * @param rounds how many times each workload is repeated
     * @param cli    the user's JMH options: benchmark regexes select steps by name (all when none
     *               is given), and {@code -p side=}, {@code backend=}, {@code cache=} select sides
     * @return the steps; empty when nothing is selected
     */
    static List<Step> plan(List<ResultTable.Row> rows, int rounds, Options cli) {
        List<Pattern> includes = cli.getIncludes().stream().map(Pattern::compile).toList();
        // Every raw ceiling a workload is compared with, over all its rows (a second row may read
        // the same runs against another raw side): they run in the workload's rounds, back to back
        // with its sides.
        Map<String, Set<String>> ceilings = new LinkedHashMap<>();
        for (ResultTable.Row row : rows) {
            ceilings.computeIfAbsent(workload(row), k -> new LinkedHashSet<>()).addAll(row.ceilings());
        }
        Set<String> workloads = new LinkedHashSet<>();
        List<Step> steps = new ArrayList<>();
        for (ResultTable.Row row : rows) {
            if (!workloads.add(workload(row))) {
                continue; // a second row read from the same runs (p99 after p50, conflicts after commits)
            }
            List<Step> sides = new ArrayList<>();
            for (String side : row.sides()) {
                Step step = new Step(0, row.bench(), side, row.backend(), row.cache());
                if (named(step, includes) && sideAllowed(step, cli)) {
                    sides.add(step);
                }
            }
            // A raw ceiling runs with the sides it is compared with, or alone when it is the
            // only benchmark of the workload that the regexes name.
            List<Step> raws = new ArrayList<>();
            boolean sidesNamed = named(new Step(0, row.bench(), "", "", ""), includes);
            for (String ceiling : ceilings.get(workload(row))) {
                Step raw = new Step(0, ceiling, "", row.backend(), "");
                if (named(raw, includes) && allows(cli, "backend", raw.backend())
                        && (!sides.isEmpty() || !sidesNamed)) {
                    raws.add(raw);
                }
            }
            for (int round = 1; round <= rounds; round++) {
                List<Step> participants = new ArrayList<>();
                participants.addAll(raws);
                participants.addAll(sides);
                if (round % 2 == 0) {
                    participants = participants.reversed();
                }
                for (Step step : participants) {
                    steps.add(new Step(round, step.bench(), step.side(), step.backend(), step.cache()));
                }
            }
        }
        return List.copyOf(steps);
    }

    private static String workload(ResultTable.Row row) {
        return row.bench() + "/" + row.backend() + "/" + row.cache();
    }

    private static boolean named(Step step, List<Pattern> includes) {
        return includes.isEmpty() || includes.stream().anyMatch(p -> p.matcher(step.name()).find());
    }

    private static boolean sideAllowed(Step step, Options cli) {
        return allows(cli, "side", step.side())
                && allows(cli, "backend", step.backend())
                && (step.cache().isEmpty() || allows(cli, "cache", step.cache()));
    }

    private static boolean allows(Options cli, String param, String value) {
        Optional<Collection<String>> values = cli.getParameter(param);
        return !values.hasValue() || values.get().contains(value);
    }

    /**
     * The user's command line without its benchmark regexes, so that each step can name its
     * own benchmark (JMH adds a parent's regexes to a child's).
     *
     * @param args     the JMH arguments
     * @param includes the regexes JMH found among them
     * @return the other arguments, in order
     */
    static List<String> withoutIncludes(List<String> args, Collection<String> includes) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith("-")) {
                out.add(arg);
                if (!FLAGS.contains(arg) && !arg.contains("=") && i + 1 < args.size()) {
                    out.add(args.get(++i)); // the option's value, even when it looks like a regex
                }
            } else if (!includes.contains(arg)) {
                out.add(arg);
            }
        }
        return out;
    }

    /** JMH options that take no value. */
    private static final Set<String> FLAGS = Set.of("-h", "-l", "-lp", "-lprof", "-lrf");
}
