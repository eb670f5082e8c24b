package dev.fabula.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.options.CommandLineOptions;

class RoundsTest {

    private static List<String> plan(int rounds, String... args) throws Exception {
        return Rounds.plan(ResultTable.rows(), rounds, new CommandLineOptions(args)).stream()
                .map(Rounds.Step::toString)
                .toList();
    }

    @Test
    void eachWorkloadRunsItsRoundsBackToBackAndTheSidesSwapPlaces() throws Exception {
        assertThat(plan(2, "AppendBenchmark.appendOne|RawJdbcBenchmark.oneRowPerTx$",
                "-p", "backend=postgres", "-p", "cache=on")).containsExactly(
                "round 1: RawJdbcBenchmark.oneRowPerTx (raw JDBC)",
                "round 1: AppendBenchmark.appendOne side=fabula backend=postgres cache=on",
                "round 1: AppendBenchmark.appendOne side=axon backend=postgres cache=on",
                "round 2: AppendBenchmark.appendOne side=axon backend=postgres cache=on",
                "round 2: AppendBenchmark.appendOne side=fabula backend=postgres cache=on",
                "round 2: RawJdbcBenchmark.oneRowPerTx (raw JDBC)");
    }

    @Test
    void anUncachedWorkloadRunsWithTheReadThenWriteCeilingToo() throws Exception {
        assertThat(plan(1, "appendOne|RawJdbcBenchmark.(oneRowPerTx|readThenInsert)$", "-p", "backend=postgres", "-p", "cache=off"))
                .containsExactly(
                        "round 1: RawJdbcBenchmark.oneRowPerTx (raw JDBC)",
                        "round 1: RawJdbcBenchmark.readThenInsert (raw JDBC)",
                        "round 1: AppendBenchmark.appendOne side=fabula backend=postgres cache=off",
                        "round 1: AppendBenchmark.appendOne side=axon backend=postgres cache=off");
    }

    @Test
    void workloadsReadByTwoRowsRunOnceAndSideFiltersApply() throws Exception {
        // the hot-aggregate commits and conflicts rows come from the same runs
        assertThat(plan(1, "hot8$", "-p", "side=axon", "-p", "backend=memory", "-p", "cache=off"))
                .containsExactly("round 1: ConcurrentWritersBenchmark.hot8 side=axon backend=memory cache=off");
        assertThat(plan(1, "hot8Processes", "-p", "backend=postgres", "-p", "cache=on"))
                .containsExactly(
                        "round 1: ConcurrentWritersBenchmark.hot8Processes side=fabula backend=postgres cache=on",
                        "round 1: ConcurrentWritersBenchmark.hot8Processes side=axon backend=postgres cache=on");
    }

    @Test
    void withoutARegexEveryWorkloadRunsOncePerRound() throws Exception {
        List<String> steps = plan(1);
        assertThat(steps).contains(
                "round 1: ReplaySmallHeapBenchmark.replay side=fabula backend=postgres",
                "round 1: RawReadBenchmark.readAll (raw JDBC)");
        // a raw ceiling runs with each workload compared with it; every other step once
        assertThat(steps.stream().filter(s -> !s.contains("raw JDBC"))).doesNotHaveDuplicates();
        assertThat(plan(3)).hasSize(3 * steps.size());
    }

    @Test
    void aRawCeilingNamedAloneRunsAlone() throws Exception {
        assertThat(plan(1, "RawJdbcBenchmark.batch10$"))
                .containsExactly("round 1: RawJdbcBenchmark.batch10 (raw JDBC)");
    }

    @Test
    void regexesAreTakenOutButOptionValuesStay() {
        assertThat(Rounds.withoutIncludes(
                List.of("Append", "-p", "side=axon", "-jvmArgsAppend", "-Xmx1g", "-p", "Append", "Replay"),
                List.of("Append", "Replay")))
                .containsExactly("-p", "side=axon", "-jvmArgsAppend", "-Xmx1g", "-p", "Append");
    }

    @Test
    void natsWorkloadsRunFabulaWithTheirRawClientCounterpartsAndNoAxon() throws Exception {
        assertThat(plan(2, "NatsBenchmark.commandRoundTrip|RawNatsBenchmark.(requestReply|protocolFloor)$"))
                .containsExactly(
                        "round 1: RawNatsBenchmark.requestReply (raw jnats)",
                        "round 1: RawNatsBenchmark.protocolFloor (raw jnats)",
                        "round 1: NatsBenchmark.commandRoundTrip side=fabula backend=nats",
                        "round 2: NatsBenchmark.commandRoundTrip side=fabula backend=nats",
                        "round 2: RawNatsBenchmark.protocolFloor (raw jnats)",
                        "round 2: RawNatsBenchmark.requestReply (raw jnats)");
        assertThat(plan(1, "NatsBenchmark", "-p", "backend=postgres")).isEmpty();
        assertThat(plan(1, "Nats", "-p", "side=axon")).as("no Axon side on NATS").isEmpty();
        assertThat(plan(1, "RawNatsBenchmark.publish$")).containsExactly("round 1: RawNatsBenchmark.publish (raw jnats)");
        // a second row on the same Fabula runs brings its raw side into the same rounds, back to
        // back, and no second Fabula run
        assertThat(plan(2, "NatsBenchmark.publish")).containsExactly(
                "round 1: RawNatsBenchmark.publish (raw jnats)",
                "round 1: RawNatsBenchmark.publishEncoding (raw jnats)",
                "round 1: NatsBenchmark.publish side=fabula backend=nats",
                "round 2: NatsBenchmark.publish side=fabula backend=nats",
                "round 2: RawNatsBenchmark.publishEncoding (raw jnats)",
                "round 2: RawNatsBenchmark.publish (raw jnats)");
    }

    @Test
    void mongoWorkloadsRunFabulaWithTheRawDriverAndNoAxon() throws Exception {
        assertThat(plan(2, "Mongo.*rehydrate10k")).containsExactly(
                "round 1: RawMongoBenchmark.rehydrate10k (raw driver)",
                "round 1: MongoBenchmark.rehydrate10k side=fabula backend=mongodb",
                "round 2: MongoBenchmark.rehydrate10k side=fabula backend=mongodb",
                "round 2: RawMongoBenchmark.rehydrate10k (raw driver)");
        // the raw read-then-insert runs in the append-one rounds, for the second append-one row
        assertThat(plan(1, "Mongo.*appendOne")).containsExactly(
                "round 1: RawMongoBenchmark.appendOne (raw driver)",
                "round 1: RawMongoBenchmark.appendOneAfterRead (raw driver)",
                "round 1: MongoBenchmark.appendOne side=fabula backend=mongodb");
        assertThat(plan(1, "Mongo")).hasSize(9);
        assertThat(plan(1, "Mongo", "-p", "side=axon")).as("no Axon side on MongoDB").isEmpty();
        assertThat(plan(1, "RawMongoBenchmark.replay1M")).containsExactly("round 1: RawMongoBenchmark.replay1M (raw driver)");
    }
}
