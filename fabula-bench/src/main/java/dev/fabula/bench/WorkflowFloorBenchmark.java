package dev.fabula.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.bench.BenchWorkflows.Tally;
import dev.fabula.bench.domain.Flow;
import dev.fabula.bench.domain.Tick;
import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.repository.Repository;
import dev.fabula.workflow.WorkflowDefinition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor {@link WorkflowBenchmark} is compared with: the same {@value WorkflowBenchmark#BATCH}
 * triggers stored per invocation in one insert, each then handled by one plain {@code
 * Repository.use} (load the aggregate keyed by the trigger, raise one event with the trigger's
 * number, commit), round-robin over {@code aggregates} [1,000] aggregates on the same kind of
 * PostgreSQL store with the same codec. Triggers/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class WorkflowFloorBenchmark {

    private static final String SCHEMA = "bench_workflow_floor";

    /** Aggregates the triggers go round-robin over. */
    @Param("1000")
    public int aggregates;

    private HikariDataSource dataSource;
    private EventStore store;
    private Repository<Tally> repository;
    private UUID[] ids;
    private long ticks;

    /** Opens the store and creates {@code aggregates} aggregates with one event each. */
    @Setup(Level.Trial)
    public void open() {
        BenchDatabase.recreateSchema(SCHEMA);
        WorkflowDefinition<Flow> definition = BenchWorkflows.definition(late -> { });
        Codec codec = BenchWorkflows.codec(definition);
        dataSource = Postgres.dataSource(BenchDatabase.url());
        store = Postgres.eventStore(dataSource, codec, PostgresOptions.builder().schema(SCHEMA).build());
        repository = Repository.of(store, Tally::new);
        ids = new UUID[aggregates];
        for (int i = 0; i < aggregates; i++) {
            String key = WorkflowBenchmark.key(i);
            ids[i] = UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8));
            repository.use(ids[i], t -> t.tick(key, 0));
        }
    }

    /** Stores {@value WorkflowBenchmark#BATCH} triggers, then handles each with one {@code use}. */
    @Benchmark
    @OperationsPerInvocation(WorkflowBenchmark.BATCH)
    public long repositoryUse() {
        List<Event<?>> batch = new ArrayList<>(WorkflowBenchmark.BATCH);
        long first = ticks;
        for (int i = 0; i < WorkflowBenchmark.BATCH; i++) {
            long n = ticks++;
            batch.add(Event.create(BenchWorkflows.TICK, new Tick(WorkflowBenchmark.key((int) (n % aggregates)), n)));
        }
        store.insert(batch);
        long sum = 0;
        for (long n = first; n < ticks; n++) {
            int a = (int) (n % aggregates);
            long number = n;
            sum += repository.use(ids[a], t -> t.tick(WorkflowBenchmark.key(a), number)).n();
        }
        return sum;
    }

    /** Closes the store and drops the schema. */
    @TearDown(Level.Trial)
    public void close() {
        try {
            if (store != null) {
                store.close();
            }
        } finally {
            if (dataSource != null) {
                dataSource.close();
            }
            BenchDatabase.dropSchema(SCHEMA);
        }
    }
}
