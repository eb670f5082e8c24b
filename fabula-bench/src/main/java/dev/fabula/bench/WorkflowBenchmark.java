package dev.fabula.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.bench.domain.Flow;
import dev.fabula.bench.domain.Tick;
import dev.fabula.codec.Codec;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.memory.InMemory;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * Workflow triggers handled per second by one {@link WorkflowService} on PostgreSQL (issue 22),
 * compared with {@link WorkflowFloorBenchmark}, the same triggers each handled by one plain
 * {@code Repository.use} on the same kind of store.
 *
 * <p>Each invocation stores {@value #BATCH} triggers ({@link BenchWorkflows#TICK}, round-robin
 * over {@code aggregates} [1,000] running workflows, in one insert, published on an in-memory
 * bus) and waits until the service has handled them ({@code awaitCaughtUp}): per trigger the
 * intake reads it from the store, loads the instance, runs the reaction (new state, a timeout
 * rescheduled: an effect recorded), and commits the transition with its effects and the trigger's
 * id in one event. No command is dispatched: a dispatched command adds one commit of its own (the
 * mark), which the floor has no counterpart for. Triggers/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class WorkflowBenchmark {

    /** Triggers stored per invocation. */
    static final int BATCH = 100;
    private static final String SCHEMA = "bench_workflow";
    private static final Duration WAIT = Duration.ofSeconds(120);

    /** Only Fabula: the other side of this row is the {@code Repository.use} floor. */
    @Param(Sides.FABULA)
    public String side;

    /** Always {@code workflow}. */
    @Param(ResultTable.WORKFLOW)
    public String backend;

    /** Running workflows the triggers go round-robin over. */
    @Param("1000")
    public int aggregates;

    private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private HikariDataSource dataSource;
    private EventStore store;
    private EventBus bus;
    private EventStore publishing;
    private CommandBus commands;
    private WorkflowService service;
    private long ticks;

    /** Opens the store and starts {@code aggregates} workflows, then the service. */
    @Setup(Level.Trial)
    public void open() {
        if (!side.equals(Sides.FABULA) || !backend.equals(ResultTable.WORKFLOW)) {
            throw new IllegalArgumentException("the workflow workload runs with side=fabula and backend="
                    + ResultTable.WORKFLOW + " only (its floor is WorkflowFloorBenchmark), got side=" + side
                    + " backend=" + backend);
        }
        BenchDatabase.recreateSchema(SCHEMA);
        WorkflowDefinition<Flow> definition = BenchWorkflows.definition(late -> { });
        Codec codec = BenchWorkflows.codec(definition);
        dataSource = Postgres.dataSource(BenchDatabase.url());
        store = Postgres.eventStore(dataSource, codec, PostgresOptions.builder().schema(SCHEMA).build());
        bus = InMemory.eventBus();
        publishing = EventStores.publishing(store, bus);
        commands = CommandBuses.inProcess();
        long due = BenchWorkflows.micros(Instant.now().plus(BenchWorkflows.IDLE_AFTER));
        List<Event<?>> opened = new ArrayList<>();
        for (int i = 0; i < aggregates; i++) {
            opened.add(Event.create(BenchWorkflows.OPENED, new Tick(key(i), due)));
        }
        for (int i = 0; i < opened.size(); i += BATCH) {
            publishing.insert(opened.subList(i, Math.min(opened.size(), i + BATCH)));
        }
        service = WorkflowService.builder(store, bus, commands, codec)
                .add(definition)
                .resyncInterval(Duration.ofHours(1))
                .onFailure(failures::add)
                .build();
        service.start(); // handles the openings before it returns
        check();
    }

    static String key(int i) {
        return "flow-" + i;
    }

    private void check() {
        Throwable failure = failures.peek();
        if (failure != null) {
            throw new IllegalStateException("the workflow service failed: " + failure, failure);
        }
    }

    /** Stores {@value #BATCH} triggers and waits until the service handled them. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void trigger() {
        List<Event<?>> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            long n = ticks++;
            batch.add(Event.create(BenchWorkflows.TICK, new Tick(key((int) (n % aggregates)), n)));
        }
        publishing.insert(batch);
        service.awaitCaughtUp(WAIT);
        check();
    }

    /** Stops the service, closes the store and drops the schema. */
    @TearDown(Level.Trial)
    public void close() {
        try {
            if (service != null) {
                service.close();
            }
            if (commands != null) {
                commands.close();
            }
            if (bus != null) {
                bus.close();
            }
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
