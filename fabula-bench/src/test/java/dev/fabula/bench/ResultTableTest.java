package dev.fabula.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {

    private static String run(String bench, String mode, String params, double score, String extra) {
        return """
            {"benchmark": "dev.fabula.bench.%s", "mode": "%s", %s
             "primaryMetric": {"score": %s, "scoreUnit": "x" %s}, "secondaryMetrics": {%s}}
            """.formatted(bench, mode, params.isEmpty() ? "" : "\"params\": {" + params + "},", score,
                mode.equals("sample") ? ", \"scorePercentiles\": {\"50.0\": 150.0, \"99.0\": 900.0}" : "",
                extra);
    }

    /** A sampled latency run with the given p50 and p99. */
    private static String sampled(String bench, String params, double p50, double p99) {
        return """
            {"benchmark": "dev.fabula.bench.%s", "mode": "sample", %s
             "primaryMetric": {"score": %s, "scoreUnit": "us/op",
               "scorePercentiles": {"50.0": %s, "99.0": %s}}}
            """.formatted(bench, params.isEmpty() ? "" : "\"params\": {" + params + "},", p50, p50, p99);
    }

    private static final String OFF = "\"cache\": \"off\"";
    private static final String ON = "\"cache\": \"on\"";

    private static final String SAMPLE = "[" + String.join(",",
            run("AppendBenchmark.appendOne", "thrpt", "\"side\": \"fabula\", \"backend\": \"postgres\", " + OFF, 2000, ""),
            run("AppendBenchmark.appendOne", "thrpt", "\"side\": \"axon\", \"backend\": \"postgres\", " + OFF, 1000, ""),
            run("AppendBenchmark.appendOne", "thrpt", "\"side\": \"fabula\", \"backend\": \"postgres\", " + ON, 3600, ""),
            run("AppendBenchmark.appendOne", "thrpt", "\"side\": \"axon\", \"backend\": \"postgres\", " + ON, 1200, ""),
            run("RawJdbcBenchmark.oneRowPerTx", "thrpt", "", 4000, ""),
            run("RehydrateBenchmark.noSnapshot", "thrpt",
                    "\"side\": \"fabula\", \"backend\": \"postgres\", \"streamLength\": \"10000\"", 80, ""),
            run("RawReadBenchmark.readAggregate", "thrpt", "\"streamLength\": \"10000\"", 100, ""),
            run("ReplayBenchmark.replay", "ss",
                    "\"side\": \"fabula\", \"backend\": \"postgres\", \"events\": \"1000000\"", 1000, ""),
            run("RawReadBenchmark.readAll", "ss", "\"events\": \"1000000\"", 500, ""),
            run("ReplayBenchmark.replay", "ss",
                    "\"side\": \"axon\", \"backend\": \"memory\", \"events\": \"1000000\"", 500, ""),
            run("CommandRoundTripBenchmark.latency", "sample", "\"side\": \"axon\", \"backend\": \"memory\", " + OFF, 200, ""),
            run("ConcurrentWritersBenchmark.hot8", "thrpt", "\"side\": \"axon\", \"backend\": \"memory\", " + OFF, 3000,
                    "\"commits\": {\"score\": 2900}, \"conflicts\": {\"score\": 12.5}"))
            + "]";

    private static List<String> cells(String table, String workload, String backend) {
        return table.lines()
                .filter(l -> l.startsWith(workload + " ") && l.contains(" " + backend + " "))
                .map(l -> Arrays.asList(l.substring(workload.length()).trim().split(" {2,}")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row " + workload + " / " + backend + " in\n" + table));
    }

    @Test
    void ratioAndRawShareForPostgresAppend() throws IOException {
        String table = ResultTable.render(SAMPLE);
        // backend, unit, Fabula, Axon, Fabula/Axon, better, rounds won, Fabula % raw, Axon % raw
        assertThat(cells(table, "append 1 event/command", "postgres"))
                .containsExactly("postgres", "events/s", "2,000", "1,000", "2.00", "higher", "1/1", "50%", "25%");
    }

    @Test
    void cachedRunsHaveTheirOwnRows() throws IOException {
        String table = ResultTable.render(SAMPLE);
        assertThat(cells(table, "append 1 event/command, cached", "postgres"))
                .containsExactly("postgres", "events/s", "3,600", "1,200", "3.00", "higher", "1/1", "90%", "30%");
        assertThat(cells(table, "8 writers, one aggregate, cached", "memory"))
                .containsExactly("memory", "events/s", "n/a", "n/a", "n/a", "higher", "n/a");
    }

    @Test
    void readsAreComparedWithTheRawReadCeiling() throws IOException {
        String table = ResultTable.render(SAMPLE);
        assertThat(cells(table, "rehydrate 10,000 events", "postgres"))
                .containsExactly("postgres", "loads/s", "80.00", "n/a", "n/a", "higher", "n/a", "80%", "n/a");
        assertThat(cells(table, "replay 1,000,000 events", "postgres"))
                .containsExactly("postgres", "events/s", "1,000,000", "n/a", "n/a", "higher", "n/a", "50%", "n/a");
        assertThat(cells(table, "read every row through a cursor", "")).containsExactly("2,000,000");
    }

    @Test
    void missingSideReadsNotAvailable() throws IOException {
        String table = ResultTable.render(SAMPLE);
        assertThat(cells(table, "replay 1,000,000 events", "memory"))
                .containsExactly("memory", "events/s", "n/a", "2,000,000", "n/a", "higher", "n/a");
        assertThat(cells(table, "append 1 event/command", "memory"))
                .containsExactly("memory", "events/s", "n/a", "n/a", "n/a", "higher", "n/a");
    }

    @Test
    void hotAggregateRowsReadTheCommitAndConflictCounters() throws IOException {
        String table = ResultTable.render(SAMPLE);
        // the primary score (3,000) counts attempts; the row shows the committed ones
        assertThat(cells(table, "8 writers, one aggregate", "memory"))
                .containsExactly("memory", "events/s", "n/a", "2,900", "n/a", "higher", "n/a");
    }

    @Test
    void latencyPercentilesAndConflicts() throws IOException {
        String table = ResultTable.render(SAMPLE);
        assertThat(cells(table, "command round trip p50", "memory")).containsExactly("memory", "us", "n/a", "150",
                "n/a", "lower", "n/a");
        assertThat(cells(table, "command round trip p99", "memory")).containsExactly("memory", "us", "n/a", "900",
                "n/a", "lower", "n/a");
        assertThat(cells(table, "8 writers, one aggregate:", "memory"))
                .containsExactly("conflicts", "memory", "conflicts/s", "n/a", "12.50", "n/a", "-", "-");
    }

    @Test
    void rawCeilingSection() throws IOException {
        String table = ResultTable.render(SAMPLE);
        assertThat(table).contains("raw JDBC ceiling (PostgreSQL)");
        assertThat(cells(table, "1 row per transaction", "")).containsExactly("4,000");
        assertThat(cells(table, "10 rows per transaction", "")).containsExactly("n/a");
    }

    @Test
    void roundsShowMediansAndHowManyRoundsFabulaWon() throws IOException {
        String fabula = "\"side\": \"fabula\", \"backend\": \"postgres\", " + OFF;
        String axon = "\"side\": \"axon\", \"backend\": \"postgres\", " + OFF;
        String rounds = "[" + String.join(",",
                inRound(1, run("AppendBenchmark.appendOne", "thrpt", fabula, 900, "")),
                inRound(1, run("AppendBenchmark.appendOne", "thrpt", axon, 1000, "")),
                inRound(1, run("RawJdbcBenchmark.oneRowPerTx", "thrpt", "", 1000, "")),
                inRound(2, run("AppendBenchmark.appendOne", "thrpt", fabula, 3000, "")),
                inRound(2, run("AppendBenchmark.appendOne", "thrpt", axon, 2000, "")),
                inRound(2, run("RawJdbcBenchmark.oneRowPerTx", "thrpt", "", 5000, "")),
                inRound(3, run("AppendBenchmark.appendOne", "thrpt", fabula, 1800, "")),
                inRound(3, run("AppendBenchmark.appendOne", "thrpt", axon, 1200, "")),
                inRound(3, run("RawJdbcBenchmark.oneRowPerTx", "thrpt", "", 2000, "")))
                + "]";
        String table = ResultTable.render(rounds);
        // medians 1,800 and 1,200; Fabula lost round 1, won rounds 2 and 3; raw median 2,000
        assertThat(cells(table, "append 1 event/command", "postgres"))
                .containsExactly("postgres", "events/s", "1,800", "1,200", "1.50", "higher", "2/3", "90%", "60%");
        assertThat(cells(table, "1 row per transaction", "")).containsExactly("2,000");
    }

    private static String inRound(int round, String run) {
        return run.strip().replaceFirst("^\\{", "{\"round\": " + round + ", ");
    }

    @Test
    void natsRowsCompareFabulaWithTheRawClientAgainstTheIssueTargets() throws IOException {
        String fabula = "\"side\": \"fabula\", \"backend\": \"nats\"";
        String json = "[" + String.join(",",
                inRound(1, run("NatsBenchmark.publish", "thrpt", fabula, 90_000, "")),
                inRound(1, run("RawNatsBenchmark.publish", "thrpt", "", 100_000, "")),
                inRound(2, run("NatsBenchmark.publish", "thrpt", fabula, 70_000, "")),
                inRound(2, run("RawNatsBenchmark.publish", "thrpt", "", 100_000, "")),
                inRound(3, run("NatsBenchmark.publish", "thrpt", fabula, 85_000, "")),
                inRound(3, run("RawNatsBenchmark.publish", "thrpt", "", 100_000, "")),
                inRound(1, sampled("NatsBenchmark.commandRoundTrip", fabula, 150, 900)),
                inRound(1, sampled("RawNatsBenchmark.requestReply", "", 100, 400)),
                inRound(1, sampled("RawNatsBenchmark.protocolFloor", "", 75, 600)))
                + "]";
        String table = ResultTable.render(json);
        assertThat(table).contains("NATS: Fabula against the raw jnats client");
        // unit, Fabula, raw jnats, Fabula/raw, better, target, rounds met: medians 85,000 and
        // 100,000; round 2 (0.70) missed the 0.80 target
        assertThat(cells(table, "core NATS publish, batches of 100", ""))
                .containsExactly("events/s", "85,000", "100,000", "0.85", "higher", ">= 0.80", "2/3");
        // p50 150 against a request/reply of 100 (target 3x) and a protocol floor of 75
        assertThat(cells(table, "distributed command round trip p50", "")).containsExactly(
                "us", "150", "100", "1.50", "lower", "<= 3.00", "1/1", "75.00", "2.00");
        // p99: no target
        assertThat(cells(table, "distributed command round trip p99", "")).containsExactly(
                "us", "900", "400", "2.25", "lower", "-", "-", "600", "1.50");
        assertThat(cells(table, "JetStream publish, ack each", ""))
                .containsExactly("events/s", "n/a", "n/a", "n/a", "higher", ">= 0.80", "n/a");
        // the second publish row compares the same Fabula runs with a raw side that encodes
        assertThat(cells(table, "core NATS publish, raw side encoding with Jackson", ""))
                .containsExactly("events/s", "85,000", "n/a", "n/a", "higher", ">= 0.80", "n/a");
        // NATS rows are not in the Fabula/Axon table
        assertThat(table.lines().filter(l -> l.startsWith("core NATS publish, batches"))).hasSize(1);
    }

    @Test
    void mongoRowsCompareFabulaWithTheRawDriverAgainstTheIssueTargets() throws IOException {
        String fabula = "\"side\": \"fabula\", \"backend\": \"mongodb\"";
        String json = "[" + String.join(",",
                inRound(1, run("MongoBenchmark.appendOne", "thrpt", fabula + ", \"aggregates\": \"1000\"", 900, "")),
                inRound(1, run("RawMongoBenchmark.appendOne", "thrpt", "\"aggregates\": \"1000\"", 1000, "")),
                inRound(2, run("MongoBenchmark.appendOne", "thrpt", fabula + ", \"aggregates\": \"1000\"", 700, "")),
                inRound(2, run("RawMongoBenchmark.appendOne", "thrpt", "\"aggregates\": \"1000\"", 1000, "")),
                inRound(1, run("RawMongoBenchmark.appendOneAfterRead", "thrpt", "\"aggregates\": \"1000\"", 500, "")),
                inRound(1, run("MongoBenchmark.rehydrate10k", "thrpt", fabula + ", \"streamLength\": \"10000\"", 15, "")),
                inRound(1, run("RawMongoBenchmark.rehydrate10k", "thrpt", "\"streamLength\": \"10000\"", 20, "")),
                inRound(1, run("MongoBenchmark.replay1M", "ss", fabula + ", \"events\": \"1000000\"", 4000, "")),
                inRound(1, run("RawMongoBenchmark.replay1M", "ss", "\"events\": \"1000000\"", 2000, "")))
                + "]";
        String table = ResultTable.render(json);
        assertThat(table).contains("MongoDB (in-process mongo-java-server, not a real MongoDB)");
        // unit, Fabula, raw driver, Fabula/raw, target, rounds met: medians 800 and 1,000; round 2
        // (0.70) missed the write target
        assertThat(cells(table, "append 1 event/insert", ""))
                .containsExactly("events/s", "800", "1,000", "0.80", ">= 0.80", "1/2");
        // the same Fabula runs against the raw read-then-insert: round 1 only has both
        assertThat(cells(table, "append 1 event/insert, raw side reads the previous version first", ""))
                .containsExactly("events/s", "800", "500", "1.60", ">= 0.80", "1/1");
        // reads have the lower target: 0.75 meets it
        assertThat(cells(table, "rehydrate 10,000 events", "loads/s"))
                .containsExactly("loads/s", "15.00", "20.00", "0.75", ">= 0.70", "1/1");
        // a single-shot replay's time becomes events/s on both sides
        assertThat(cells(table, "replay 1,000,000 events", "events/s").subList(0, 6))
                .containsExactly("events/s", "250,000", "500,000", "0.50", ">= 0.70", "0/1");
        assertThat(cells(table, "append batch of 10/insert", ""))
                .containsExactly("events/s", "n/a", "n/a", "n/a", ">= 0.80", "n/a");
        // not in the Fabula/Axon table
        assertThat(table.lines().filter(l -> l.startsWith("append 1 event/insert "))).hasSize(1);
    }

    @Test
    void theWorkflowRowComparesOneServiceWithTheRepositoryUseFloorAgainstTheIssueTarget() throws IOException {
        String fabula = "\"side\": \"fabula\", \"backend\": \"workflow\", \"aggregates\": \"1000\"";
        String json = "[" + String.join(",",
                inRound(1, run("WorkflowBenchmark.trigger", "thrpt", fabula, 800, "")),
                inRound(1, run("WorkflowFloorBenchmark.repositoryUse", "thrpt", "\"aggregates\": \"1000\"", 1000, "")),
                inRound(2, run("WorkflowBenchmark.trigger", "thrpt", fabula, 600, "")),
                inRound(2, run("WorkflowFloorBenchmark.repositoryUse", "thrpt", "\"aggregates\": \"1000\"", 1000, "")))
                + "]";
        String table = ResultTable.render(json);
        assertThat(table).contains("Workflows on PostgreSQL: one service against the Repository.use floor");
        // unit, Fabula, floor, Fabula/floor, target, rounds met: medians 700 and 1,000; round 2
        // (0.60) missed the target
        assertThat(cells(table, "workflow triggers, 100 per insert", ""))
                .containsExactly("triggers/s", "700", "1,000", "0.70", ">= 0.70", "1/2");
        // not in the Fabula/Axon table
        assertThat(table.lines().filter(l -> l.startsWith("workflow triggers"))).hasSize(1);
    }
}
