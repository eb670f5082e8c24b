package dev.fabula.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Prints the comparison table from a JSON array of JMH results ({@code -rf json}, or
 * {@link BenchMain}'s file, whose results carry a {@code round}): one row per workload and
 * backend with Fabula's and Axon's figure (the median over the rounds), the ratio of those
 * medians, in how many rounds Fabula was the better side, and for PostgreSQL workloads each
 * side's share of the matching raw JDBC rate (the median of every raw run); then the NATS and
 * the MongoDB rows, Fabula against the raw client doing the same work, with the targets.
 * A cell whose benchmark did not run or failed reads "n/a".
 *
 * <p>Run it on its own with {@code java -cp benchmarks.jar dev.fabula.bench.ResultTable FILE}.
 */
public final class ResultTable {

    private static final String PKG = "dev.fabula.bench.";
    private static final String NA = "n/a";

    /**
     * The backend of the NATS rows: Fabula's NATS buses against the raw jnats client, in a table
     * of their own (no Axon side).
     */
    static final String NATS = "nats";

    /**
     * The backend of the MongoDB rows: Fabula's MongoDB event store against the raw MongoDB
     * driver, both on the in-process mongo-java-server, in a table of their own (no Axon side).
     */
    static final String MONGODB = "mongodb";

    /**
     * The backend of the workflow rows: a workflow service on PostgreSQL against the floor of the
     * same triggers handled by plain {@code Repository.use}, in a table of their own (no Axon side).
     */
    static final String WORKFLOW = "workflow";

    /** The share of the {@code Repository.use} floor's rate the workflow row aims at (issue 22). */
    static final double WORKFLOW_TARGET = 0.70;

    /** The share of the raw driver's rate a MongoDB write row aims at (issue 21). */
    static final double MONGO_WRITE_TARGET = 0.80;

    /** The share of the raw driver's rate a MongoDB read row aims at (issue 21). */
    static final double MONGO_READ_TARGET = 0.70;

    /** The share of the raw client's rate a NATS throughput row aims at (issue 20). */
    static final double NATS_RATE_TARGET = 0.80;

    /** The multiple of a raw request/reply the command round trip's p50 aims at (issue 20). */
    static final double NATS_P50_TARGET = 3.0;

    /** How a row's figure is read from a JMH result. */
    enum Metric {
        /** The primary score, already a rate per second. */
        RATE(true),
        /** A single-shot time in ms for a whole replay, turned into events/s. */
        REPLAY(true),
        /** The median of a sampled latency. */
        P50(false),
        /** The 99th percentile of a sampled latency. */
        P99(false),
        /** The {@code commits} auxiliary counter, per second. */
        COMMITS(true, "commits"),
        /** The {@code conflicts} auxiliary counter, per second. */
        CONFLICTS(false, "conflicts");

        final boolean higherIsBetter;
        /** The auxiliary counter the figure is read from, or null for the primary score. */
        final String counter;

        Metric(boolean higherIsBetter) {
            this(higherIsBetter, null);
        }

        Metric(boolean higherIsBetter, String counter) {
            this.higherIsBetter = higherIsBetter;
            this.counter = counter;
        }
    }

    /**
     * One line of the table.
     *
     * @param workload what the row measures
     * @param backend  {@code memory} or {@code postgres}
     * @param unit     unit of the figures
     * @param bench    benchmark as {@code Class.method}
     * @param metric   how the figure is read
     * @param raw      raw JDBC benchmark the PostgreSQL figure is compared with, or null
     * @param cache    the run's {@code cache} parameter ({@code off}, {@code on}), or "" for
     *                 workloads without one
     * @param readRaw  for a workload whose uncached commands read their aggregate before they
     *                 write, the raw JDBC benchmark that does the same read before the same
     *                 write (run alongside the uncached row, listed with the raw ceilings), or null
     */
    record Row(String workload, String backend, String unit, String bench, Metric metric, String raw,
               String cache, String readRaw) {

        Row(String workload, String backend, String unit, String bench, Metric metric, String raw) {
            this(workload, backend, unit, bench, metric, raw, "", null);
        }

        /** This row with a raw read-then-write ceiling for its uncached run. */
        Row withReadRaw(String benchmark) {
            return new Row(workload, backend, unit, bench, metric, raw, cache, benchmark);
        }

        /** This row for a run of a workload with the {@code cache} parameter. */
        Row cached(String value) {
            boolean on = value.equals("on");
            return new Row(on ? workload + ", cached" : workload,
                    backend, unit, bench, metric, raw, value, on ? null : readRaw);
        }

        /**
         * The sides this row compares: Fabula alone on NATS and MongoDB (against the raw client),
         * else Fabula and Axon.
         */
        List<String> sides() {
            return againstRawClient() ? List.of(Sides.FABULA) : List.of(Sides.FABULA, Sides.AXON);
        }

        /**
         * Whether this row compares Fabula with a raw client (NATS, MongoDB) or a floor of its own
         * (workflows) rather than with Axon.
         */
        boolean againstRawClient() {
            return backend.equals(NATS) || backend.equals(MONGODB) || backend.equals(WORKFLOW);
        }

        /** The raw benchmarks run alongside this row, the one it is compared with first. */
        List<String> ceilings() {
            List<String> ceilings = new ArrayList<>();
            if (raw != null) {
                ceilings.add(raw);
            }
            if (readRaw != null) {
                ceilings.add(readRaw);
            }
            return ceilings;
        }
    }

    /** Benchmarks run with the {@code cache} parameter (see {@link CommandState}). */
    private static final List<String> CACHED = List.of(
            "AppendBenchmark.", "ConcurrentWritersBenchmark.", "CommandRoundTripBenchmark.");

    private static final List<Row> ROWS = withCacheRows(workloads());

    /** The table's rows, in table order. */
    static List<Row> rows() {
        return ROWS;
    }

    /** Each row of a cached workload twice, cache off then on, next to each other. */
    private static List<Row> withCacheRows(List<Row> rows) {
        List<Row> out = new ArrayList<>();
        List<Row> on = new ArrayList<>();
        for (Row row : rows) {
            boolean cached = CACHED.stream().anyMatch(row.bench()::startsWith);
            if (!on.isEmpty() && !on.get(0).backend().equals(row.backend())) {
                out.addAll(on);
                on.clear();
            }
            if (!cached) {
                out.addAll(on);
                on.clear();
                out.add(row);
            } else {
                out.add(row.cached("off"));
                on.add(row.cached("on"));
            }
        }
        out.addAll(on);
        return List.copyOf(out);
    }

    private static List<Row> workloads() {
        List<Row> rows = new ArrayList<>();
        for (String backend : List.of("memory", "postgres")) {
            boolean pg = backend.equals("postgres");
            Row appendOne = new Row("append 1 event/command", backend, "events/s",
                    "AppendBenchmark.appendOne", Metric.RATE, pg ? "RawJdbcBenchmark.oneRowPerTx" : null);
            rows.add(pg ? appendOne.withReadRaw("RawJdbcBenchmark.readThenInsert") : appendOne);
            rows.add(new Row("append batch of 10/command", backend, "events/s",
                    "BatchAppendBenchmark.batch10", Metric.RATE, pg ? "RawJdbcBenchmark.batch10" : null));
            rows.add(new Row("append bulk of 1000/command", backend, "events/s",
                    "BatchAppendBenchmark.bulk1000", Metric.RATE, pg ? "RawJdbcBenchmark.batch1000" : null));
            rows.add(new Row("rehydrate {streamLength} events", backend, "loads/s",
                    "RehydrateBenchmark.noSnapshot", Metric.RATE, pg ? "RawReadBenchmark.readAggregate" : null));
            rows.add(new Row("rehydrate {streamLength} events, snapshot", backend, "loads/s",
                    "RehydrateBenchmark.withSnapshot", Metric.RATE, null));
            rows.add(new Row("replay {events} events", backend, "events/s",
                    "ReplayBenchmark.replay", Metric.REPLAY, pg ? "RawReadBenchmark.readAll" : null));
            if (pg) {
                rows.add(new Row("replay {events} events, -Xmx128m", backend, "events/s",
                        "ReplaySmallHeapBenchmark.replay", Metric.REPLAY, null));
            }
            rows.add(new Row("2 writers, distinct aggregates", backend, "events/s",
                    "ConcurrentWritersBenchmark.distinct2", Metric.RATE, null));
            Row distinct8 = new Row("8 writers, distinct aggregates", backend, "events/s",
                    "ConcurrentWritersBenchmark.distinct8", Metric.RATE, pg ? "RawJdbcBenchmark.oneRowPerTx8" : null);
            rows.add(pg ? distinct8.withReadRaw("RawJdbcBenchmark.readThenInsert8") : distinct8);
            rows.add(new Row("8 writers, one aggregate", backend, "events/s",
                    "ConcurrentWritersBenchmark.hot8", Metric.COMMITS, null));
            rows.add(new Row("8 writers, one aggregate: conflicts", backend, "conflicts/s",
                    "ConcurrentWritersBenchmark.hot8", Metric.CONFLICTS, null));
            rows.add(new Row("8 writers, one aggregate, 2 processes, immediate retry", backend, "events/s",
                    "ConcurrentWritersBenchmark.hot8Processes", Metric.COMMITS, null));
            rows.add(new Row("8 writers, one aggregate, 2 processes: conflicts", backend, "conflicts/s",
                    "ConcurrentWritersBenchmark.hot8Processes", Metric.CONFLICTS, null));
            rows.add(new Row("command round trip", backend, "commands/s",
                    "CommandRoundTripBenchmark.throughput", Metric.RATE, null));
            rows.add(new Row("command round trip p50", backend, "us",
                    "CommandRoundTripBenchmark.latency", Metric.P50, null));
            rows.add(new Row("command round trip p99", backend, "us",
                    "CommandRoundTripBenchmark.latency", Metric.P99, null));
        }
        rows.add(new Row("core NATS publish, batches of " + NatsBenchmark.BATCH, NATS, "events/s",
                "NatsBenchmark.publish", Metric.RATE, "RawNatsBenchmark.publish"));
        rows.add(new Row("core NATS publish, raw side encoding with Jackson", NATS, "events/s",
                "NatsBenchmark.publish", Metric.RATE, "RawNatsBenchmark.publishEncoding"));
        rows.add(new Row(String.format(Locale.ROOT, "core NATS consume, bursts of %,d", NatsBenchmark.CONSUMED), NATS,
                "events/s", "NatsBenchmark.consume", Metric.RATE, "RawNatsBenchmark.consume"));
        rows.add(new Row("JetStream publish, ack each", NATS, "events/s",
                "NatsBenchmark.jetStreamPublish", Metric.RATE, "RawNatsBenchmark.jetStreamPublish"));
        rows.add(new Row("JetStream publish, batches of " + NatsBenchmark.BATCH, NATS, "events/s",
                "NatsBenchmark.jetStreamBatch", Metric.RATE, "RawNatsBenchmark.jetStreamBatch"));
        for (Metric percentile : List.of(Metric.P50, Metric.P99)) {
            rows.add(new Row("distributed command round trip " + percentile.name().toLowerCase(Locale.ROOT), NATS, "us",
                    "NatsBenchmark.commandRoundTrip", percentile, "RawNatsBenchmark.requestReply")
                    .withReadRaw("RawNatsBenchmark.protocolFloor"));
        }
        for (String[] mongo : new String[][] {
            {"append 1 event/insert", "events/s", "appendOne"},
            {"append batch of 10/insert", "events/s", "appendBatch10"},
            {"rehydrate {streamLength} events", "loads/s", "rehydrate10k"},
            {"replay {events} events", "events/s", "replay1M"}}) {
            rows.add(new Row(mongo[0], MONGODB, mongo[1], "MongoBenchmark." + mongo[2],
                    mongo[2].startsWith("replay") ? Metric.REPLAY : Metric.RATE, "RawMongoBenchmark." + mongo[2]));
            if (mongo[2].equals("appendOne")) {
                // The same Fabula runs against a raw side that reads the previous version first,
                // as the store's contiguity check does.
                rows.add(new Row("append 1 event/insert, raw side reads the previous version first", MONGODB,
                        "events/s", "MongoBenchmark.appendOne", Metric.RATE, "RawMongoBenchmark.appendOneAfterRead"));
            }
        }
        rows.add(new Row("workflow triggers, " + WorkflowBenchmark.BATCH + " per insert", WORKFLOW, "triggers/s",
                "WorkflowBenchmark.trigger", Metric.RATE, "WorkflowFloorBenchmark.repositoryUse"));
        return List.copyOf(rows);
    }

    /** One benchmark run as found in the JSON file, keyed by benchmark, side and backend. */
    private record Key(String bench, String side, String backend, String cache) {
    }

    /** Every run of each key, one per round. */
    private final Map<Key, List<JsonNode>> results = new HashMap<>();

    private ResultTable(JsonNode root) {
        for (JsonNode run : root) {
            String bench = run.path("benchmark").asText();
            if (bench.startsWith(PKG)) {
                bench = bench.substring(PKG.length());
            }
            JsonNode params = run.path("params");
            String backend = params.path("backend").asText(bench.startsWith("RawNats") ? NATS
                    : bench.startsWith("RawMongo") ? MONGODB
                    : bench.startsWith("WorkflowFloor") ? WORKFLOW
                    : bench.startsWith("Raw") || bench.startsWith("ReplaySmallHeap") ? "postgres" : "");
            results.computeIfAbsent(new Key(bench, params.path("side").asText(""), backend,
                    params.path("cache").asText("")), k -> new ArrayList<>()).add(run);
        }
    }

    /**
     * Prints the table for a result file.
     *
     * @param args the path of a JMH JSON result file
     * @throws IOException when the file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ResultTable <jmh-result.json>");
            System.exit(2);
        }
        print(Path.of(args[0]), System.out);
    }

    /**
     * Reads a JMH JSON result file and prints the table.
     *
     * @param json the result file
     * @param out  where to print
     * @throws IOException when the file cannot be read
     */
    public static void print(Path json, PrintStream out) throws IOException {
        out.print(render(Files.readString(json)));
    }

    /**
     * Renders the table for the contents of a JMH JSON result file.
     *
     * @param json the file's contents
     * @return the table, lines ending with a newline
     * @throws IOException when the text is not JSON
     */
    static String render(String json) throws IOException {
        return new ResultTable(new ObjectMapper().readTree(json)).render();
    }

    private String render() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"workload", "backend", "unit", "Fabula", "Axon", "Fabula/Axon", "better",
            "rounds won", "Fabula % raw", "Axon % raw"});
        for (Row row : ROWS) {
            if (row.againstRawClient()) {
                continue; // in the NATS and MongoDB tables
            }
            OptionalDouble fabula = value(row.bench(), Sides.FABULA, row.backend(), row.cache(), row.metric());
            OptionalDouble axon = value(row.bench(), Sides.AXON, row.backend(), row.cache(), row.metric());
            OptionalDouble raw = row.raw() == null ? OptionalDouble.empty() : rawValue(row.raw());
            String ratio = fabula.isPresent() && axon.isPresent() && axon.getAsDouble() > 0
                    && row.metric() != Metric.CONFLICTS
                    ? String.format(Locale.ROOT, "%.2f", fabula.getAsDouble() / axon.getAsDouble()) : NA;
            boolean compared = row.metric() != Metric.CONFLICTS;
            lines.add(new String[] {label(row), row.backend(), row.unit(), number(fabula), number(axon), ratio,
                compared ? row.metric().higherIsBetter ? "higher" : "lower" : "-",
                compared ? roundsWon(row) : "-",
                row.raw() == null ? "" : share(fabula, raw), row.raw() == null ? "" : share(axon, raw)});
        }
        List<String[]> raw = new ArrayList<>();
        raw.add(new String[] {"raw JDBC ceiling (PostgreSQL)", "rows/s"});
        raw.add(new String[] {"1 row per transaction", number(rawRate("oneRowPerTx"))});
        raw.add(new String[] {"10 rows per transaction", number(rawRate("batch10"))});
        raw.add(new String[] {"1000 rows per transaction", number(rawRate("batch1000"))});
        raw.add(new String[] {"1 row per transaction, 8 connections", number(rawRate("oneRowPerTx8"))});
        raw.add(new String[] {"read an aggregate, then 1 row per transaction", number(rawRate("readThenInsert"))});
        raw.add(new String[] {"the same, 8 connections", number(rawRate("readThenInsert8"))});
        raw.add(new String[] {"read one aggregate's rows (loads/s)", number(rawValue("RawReadBenchmark.readAggregate"))});
        raw.add(new String[] {"read every row through a cursor", number(rawValue("RawReadBenchmark.readAll"))});
        return layout(lines, 3) + "\n" + layout(raw, 1) + "\n" + renderNats() + "\n" + renderMongo()
                + "\n" + renderWorkflow();
    }

    /**
     * The MongoDB rows: Fabula's event store and the raw driver on the in-process server (said in
     * the table's title: it is not a real MongoDB), their ratio, the target for it and in
     * how many rounds it was met.
     */
    private String renderMongo() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"MongoDB (in-process mongo-java-server, not a real MongoDB): Fabula against the raw"
            + " driver", "unit", "Fabula", "raw driver", "Fabula/raw", "target", "rounds met"});
        for (Row row : ROWS) {
            if (!row.backend().equals(MONGODB)) {
                continue;
            }
            OptionalDouble fabula = value(row.bench(), Sides.FABULA, MONGODB, row.cache(), row.metric());
            OptionalDouble raw = value(row.raw(), "", MONGODB, "", row.metric());
            lines.add(new String[] {label(row), row.unit(), number(fabula), number(raw), ratio(fabula, raw),
                String.format(Locale.ROOT, ">= %.2f", mongoTarget(row)), roundsMet(row, MONGODB, mongoTarget(row))});
        }
        return layout(lines, 2);
    }

    /**
     * The workflow rows: one workflow service on PostgreSQL against the same triggers handled by
     * plain {@code Repository.use}, their ratio, the target for it and in how many rounds
     * it was met.
     */
    private String renderWorkflow() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"Workflows on PostgreSQL: one service against the Repository.use floor", "unit",
            "Fabula", "floor", "Fabula/floor", "target", "rounds met"});
        for (Row row : ROWS) {
            if (!row.backend().equals(WORKFLOW)) {
                continue;
            }
            OptionalDouble fabula = value(row.bench(), Sides.FABULA, WORKFLOW, row.cache(), row.metric());
            OptionalDouble floor = value(row.raw(), "", WORKFLOW, "", row.metric());
            lines.add(new String[] {label(row), row.unit(), number(fabula), number(floor), ratio(fabula, floor),
                String.format(Locale.ROOT, ">= %.2f", WORKFLOW_TARGET), roundsMet(row, WORKFLOW, WORKFLOW_TARGET)});
        }
        return layout(lines, 2);
    }

    /** The target for Fabula/raw on a MongoDB row: one for reads, one for writes. */
    static double mongoTarget(Row row) {
        boolean read = row.bench().contains(".rehydrate") || row.bench().contains(".replay");
        return read ? MONGO_READ_TARGET : MONGO_WRITE_TARGET;
    }

    /**
     * The NATS rows: Fabula's figure, the raw client's doing the same work, their ratio, the
     * issue's target for it and in how many rounds it was met; for the command round trip also
     * the floor of its protocol (the same messages by hand) and Fabula's multiple of it.
     */
    private String renderNats() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"NATS: Fabula against the raw jnats client", "unit", "Fabula", "raw jnats",
            "Fabula/raw", "better", "target", "rounds met", "protocol floor", "Fabula/floor"});
        for (Row row : ROWS) {
            if (!row.backend().equals(NATS)) {
                continue;
            }
            OptionalDouble fabula = value(row.bench(), Sides.FABULA, NATS, row.cache(), row.metric());
            OptionalDouble raw = value(row.raw(), "", NATS, "", row.metric());
            OptionalDouble floor = row.readRaw() == null ? OptionalDouble.empty()
                    : value(row.readRaw(), "", NATS, "", row.metric());
            String target = natsTarget(row.metric())
                    .map(t -> String.format(Locale.ROOT, "%s %.2f", row.metric().higherIsBetter ? ">=" : "<=", t))
                    .orElse("-");
            lines.add(new String[] {label(row), row.unit(), number(fabula), number(raw), ratio(fabula, raw),
                row.metric().higherIsBetter ? "higher" : "lower", target,
                natsTarget(row.metric()).map(t -> roundsMet(row, NATS, t)).orElse("-"),
                row.readRaw() == null ? "" : number(floor), row.readRaw() == null ? "" : ratio(fabula, floor)});
        }
        return layout(lines, 2);
    }

    /** The target for Fabula/raw on a NATS row, if it sets one. */
    private static java.util.Optional<Double> natsTarget(Metric metric) {
        return switch (metric) {
            case RATE -> java.util.Optional.of(NATS_RATE_TARGET);
            case P50 -> java.util.Optional.of(NATS_P50_TARGET);
            default -> java.util.Optional.empty();
        };
    }

    /**
     * In how many rounds Fabula/raw met the row's target, out of the rounds with both figures
     * ("n/a" when none has both).
     */
    private String roundsMet(Row row, String backend, double target) {
        Map<Integer, Double> raw = new HashMap<>();
        for (JsonNode run : runs(new Key(row.raw(), "", backend, ""))) {
            figure(run, row.metric()).ifPresent(v -> raw.put(run.path("round").asInt(0), v));
        }
        int rounds = 0;
        int met = 0;
        for (JsonNode run : runs(new Key(row.bench(), Sides.FABULA, backend, row.cache()))) {
            Double theirs = raw.get(run.path("round").asInt(0));
            OptionalDouble ours = figure(run, row.metric());
            if (theirs != null && theirs > 0 && ours.isPresent()) {
                rounds++;
                double ratio = ours.getAsDouble() / theirs;
                met += (row.metric().higherIsBetter ? ratio >= target : ratio <= target) ? 1 : 0;
            }
        }
        return rounds == 0 ? NA : met + "/" + rounds;
    }

    private static String ratio(OptionalDouble a, OptionalDouble b) {
        return a.isPresent() && b.isPresent() && b.getAsDouble() > 0
                ? String.format(Locale.ROOT, "%.2f", a.getAsDouble() / b.getAsDouble()) : NA;
    }

    private OptionalDouble rawRate(String method) {
        return rawValue("RawJdbcBenchmark." + method);
    }

    /** A raw JDBC figure: a rate, or for a single-shot read of the whole table, rows/s. */
    private OptionalDouble rawValue(String bench) {
        boolean singleShot = runs(new Key(bench, "", "postgres", "")).stream()
                .anyMatch(run -> run.path("mode").asText().equals("ss"));
        return value(bench, "", "postgres", "", singleShot ? Metric.REPLAY : Metric.RATE);
    }

    private String label(Row row) {
        String label = row.workload();
        int open = label.indexOf('{');
        if (open < 0) {
            return label;
        }
        int close = label.indexOf('}', open);
        String param = label.substring(open + 1, close);
        String value = null;
        for (String side : List.of(Sides.AXON, Sides.FABULA)) {
            JsonNode run = runs(new Key(row.bench(), side, row.backend(), row.cache())).stream()
                    .findFirst().orElse(null);
            if (run != null && run.path("params").has(param)) {
                value = String.format(Locale.ROOT, "%,d", run.path("params").path(param).asLong());
                break;
            }
        }
        return label.substring(0, open) + (value == null ? "N" : value) + label.substring(close + 1);
    }

    private List<JsonNode> runs(Key key) {
        return results.getOrDefault(key, List.of());
    }

    /** The median over the rounds of a figure, or empty when no round has it. */
    private OptionalDouble value(String bench, String side, String backend, String cache, Metric metric) {
        double[] values = runs(new Key(bench, side, backend, cache)).stream()
                .map(run -> figure(run, metric))
                .filter(OptionalDouble::isPresent)
                .mapToDouble(OptionalDouble::getAsDouble)
                .sorted()
                .toArray();
        if (values.length == 0) {
            return OptionalDouble.empty();
        }
        int mid = values.length / 2;
        return OptionalDouble.of(values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2);
    }

    /**
     * In how many rounds Fabula's figure was the better one, out of the rounds that have both
     * sides' figures ("n/a" when none has).
     */
    private String roundsWon(Row row) {
        Map<Integer, Double> axon = new HashMap<>();
        for (JsonNode run : runs(new Key(row.bench(), Sides.AXON, row.backend(), row.cache()))) {
            figure(run, row.metric()).ifPresent(v -> axon.put(run.path("round").asInt(0), v));
        }
        int rounds = 0;
        int won = 0;
        for (JsonNode run : runs(new Key(row.bench(), Sides.FABULA, row.backend(), row.cache()))) {
            Double theirs = axon.get(run.path("round").asInt(0));
            OptionalDouble ours = figure(run, row.metric());
            if (theirs != null && ours.isPresent()) {
                rounds++;
                boolean better = row.metric().higherIsBetter ? ours.getAsDouble() > theirs : ours.getAsDouble() < theirs;
                won += better ? 1 : 0;
            }
        }
        return rounds == 0 ? NA : won + "/" + rounds;
    }

    /** One run's figure. */
    private static OptionalDouble figure(JsonNode run, Metric metric) {
        JsonNode primary = run.path("primaryMetric");
        return switch (metric) {
            case RATE -> OptionalDouble.of(primary.path("score").asDouble());
            case REPLAY -> {
                double events = run.path("params").path("events").asDouble();
                double millis = primary.path("score").asDouble();
                yield millis > 0 ? OptionalDouble.of(events / (millis / 1000.0)) : OptionalDouble.empty();
            }
            case P50 -> percentile(primary, "50.0");
            case P99 -> percentile(primary, "99.0");
            case COMMITS, CONFLICTS -> {
                JsonNode counter = run.path("secondaryMetrics").path(metric.counter);
                yield counter.isMissingNode() ? OptionalDouble.empty() : OptionalDouble.of(counter.path("score").asDouble());
            }
        };
    }

    private static OptionalDouble percentile(JsonNode primary, String which) {
        JsonNode p = primary.path("scorePercentiles").path(which);
        return p.isMissingNode() ? OptionalDouble.empty() : OptionalDouble.of(p.asDouble());
    }

    private static String share(OptionalDouble side, OptionalDouble raw) {
        if (side.isEmpty() || raw.isEmpty() || raw.getAsDouble() <= 0) {
            return NA;
        }
        return String.format(Locale.ROOT, "%.0f%%", 100 * side.getAsDouble() / raw.getAsDouble());
    }

    private static String number(OptionalDouble value) {
        if (value.isEmpty()) {
            return NA;
        }
        double v = value.getAsDouble();
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String layout(List<String[]> lines, int leftColumns) {
        int columns = lines.get(0).length;
        int[] width = new int[columns];
        for (String[] line : lines) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], line[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] line : lines) {
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                boolean left = c < leftColumns;
                String cell = line[c];
                String pad = " ".repeat(width[c] - cell.length());
                text.append(left ? cell + pad : pad + cell);
                if (c < columns - 1) {
                    text.append("  ");
                }
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
