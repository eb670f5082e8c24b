package dev.fabula.bench.axon;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.bench.Backend;
import dev.fabula.bench.BenchDatabase;
import dev.fabula.bench.BenchSubject;
import dev.fabula.bench.axon.ProductCommands.ChangePrice;
import dev.fabula.bench.axon.ProductCommands.CreateProduct;
import dev.fabula.bench.axon.ProductCommands.ImportProduct;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.axonframework.common.caching.WeakReferenceCache;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.common.jdbc.DataSourceConnectionProvider;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.AggregateSnapshotter;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.GenericAggregateFactory;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.modelling.command.AggregateAnnotationCommandHandler;
import org.axonframework.modelling.command.ConcurrencyException;
import org.axonframework.serialization.json.JacksonSerializer;

/**
 * Axon Framework 4's side of the comparison, assembled from Axon's plain building blocks
 * (no Spring, no Axon Server, no {@code axon-configuration}: that module would bring the Axon
 * Server connector in):
 * <ul>
 *   <li>events: an {@link EmbeddedEventStore} over an {@link InMemoryEventStorageEngine}
 *       ({@link Backend#MEMORY}) or a {@link JdbcEventStorageEngine} ({@link Backend#POSTGRES})
 *       with the {@link JacksonSerializer} for events and snapshots, connections from a HikariCP
 *       pool through Axon's {@link UnitOfWorkAwareConnectionProviderWrapper}, and its tables
 *       made by Axon's own {@link PostgresEventTableFactory} in the schema {@value #SCHEMA};</li>
 *   <li>commands: a {@link SimpleCommandBus} with an {@link AggregateAnnotationCommandHandler}
 *       for {@link Product} over an {@link EventSourcingRepository}, used through a
 *       {@link DefaultCommandGateway};</li>
 *   <li>snapshots: an {@link AggregateSnapshotter} (direct executor, Axon's default) on the
 *       same event store; the repository reads the latest snapshot when it loads;</li>
 *   <li>replay: {@link EmbeddedEventStore#openStream} from the start, the stream a
 *       {@code TrackingEventProcessor} reads. Reading it directly leaves out the processor's
 *       token-store bookkeeping and threads, so it is an upper bound for Axon's replay.</li>
 * </ul>
 * The whole assembly is rebuilt by {@link #reset()}.
 */
public final class AxonSubject implements BenchSubject {

    /** The PostgreSQL schema Axon's tables live in during benchmarks. */
    public static final String SCHEMA = "bench_axon";

    /** How long a replay waits for the next event before it gives up. */
    private static final int REPLAY_STALL_SECONDS = 60;

    private final Backend backend;
    private final boolean cached;
    private final JacksonSerializer serializer;
    private Assembly assembly;

    /**
     * Creates the subject; nothing is opened before {@link #reset()}.
     *
     * @param backend where the events are kept
     * @param cached  whether the repository caches aggregates between commands, with the
     *                {@link WeakReferenceCache} Axon's reference guide suggests as the start
     */
    public AxonSubject(Backend backend, boolean cached) {
        this.backend = backend;
        this.cached = cached;
        ObjectMapper mapper = new ObjectMapper();
        // Snapshots serialize the Product aggregate itself, which has fields and no getters.
        mapper.setVisibility(PropertyAccessor.FIELD, Visibility.ANY);
        this.serializer = JacksonSerializer.builder().objectMapper(mapper).build();
    }

    private record Assembly(HikariDataSource dataSource,
                            EmbeddedEventStore eventStore,
                            EventSourcingRepository<Product> repository,
                            AggregateSnapshotter snapshotter,
                            CommandGateway gateway,
                            List<CommandGateway> processes) {

        void close() {
            eventStore.shutDown();
            if (dataSource != null) {
                dataSource.close();
            }
        }
    }

    @Override
    public void reset() {
        close();
        HikariDataSource dataSource = null;
        EventStorageEngine engine;
        if (backend == Backend.MEMORY) {
            engine = new InMemoryEventStorageEngine();
        } else {
            // A new pool per reset: pooled connections must not keep statements prepared
            // against the tables just dropped.
            BenchDatabase.recreateSchema(SCHEMA);
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(BenchDatabase.url());
            config.setSchema(SCHEMA);
            config.setPoolName("axon-bench");
            config.setMaximumPoolSize(10);
            dataSource = new HikariDataSource(config);
            // Auto-commit stays on (Hikari's default) because nothing else here demarcates
            // transactions (NoTransactionManager); each command's events are appended by one
            // JDBC batch, which PostgreSQL runs as one implicit transaction.
            JdbcEventStorageEngine jdbc = JdbcEventStorageEngine.builder()
                    .connectionProvider(new UnitOfWorkAwareConnectionProviderWrapper(
                            new DataSourceConnectionProvider(dataSource)))
                    .transactionManager(NoTransactionManager.INSTANCE)
                    // A duplicate (aggregate, sequence) key is a ConcurrencyException, as a second
                    // process writing the aggregate needs (Axon's JdbcSQLErrorCodesResolver looks
                    // for SQLIntegrityConstraintViolationException, which pgjdbc never throws).
                    .persistenceExceptionResolver(AxonSubject::isDuplicateKey)
                    .eventSerializer(serializer)
                    .snapshotSerializer(serializer)
                    .build();
            jdbc.createSchema(PostgresEventTableFactory.INSTANCE);
            engine = jdbc;
        }
        EmbeddedEventStore eventStore = EmbeddedEventStore.builder().storageEngine(engine).build();
        EventSourcingRepository<Product> repository = repository(eventStore);
        AggregateSnapshotter snapshotter = AggregateSnapshotter.builder()
                .eventStore(eventStore)
                .aggregateFactories(new GenericAggregateFactory<>(Product.class))
                .build();
        CommandGateway gateway = gateway(repository);
        // For appendOneAttemptIn: per "process" a repository (with its own lock and cache) and
        // command handling of its own; a JVM holds one event store per storage engine, and
        // Axon's JDBC engine keeps no state of its own between appends.
        List<CommandGateway> processes = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            processes.add(gateway(repository(eventStore)));
        }
        assembly = new Assembly(dataSource, eventStore, repository, snapshotter, gateway, List.copyOf(processes));
    }

    /** Whether PostgreSQL refused a write for a unique key (SQLState 23505). */
    private static boolean isDuplicateKey(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private EventSourcingRepository<Product> repository(EmbeddedEventStore eventStore) {
        EventSourcingRepository.Builder<Product> repositoryBuilder =
                EventSourcingRepository.builder(Product.class).eventStore(eventStore);
        if (cached) {
            repositoryBuilder.cache(new WeakReferenceCache());
        }
        return repositoryBuilder.build();
    }

    private static CommandGateway gateway(EventSourcingRepository<Product> repository) {
        SimpleCommandBus commandBus = SimpleCommandBus.builder().build();
        AggregateAnnotationCommandHandler.<Product>builder()
                .aggregateType(Product.class)
                .repository(repository)
                .build()
                .subscribe(commandBus);
        return DefaultCommandGateway.builder().commandBus(commandBus).build();
    }

    private Assembly assembly() {
        Assembly current = assembly;
        if (current == null) {
            throw new IllegalStateException("reset() first");
        }
        return current;
    }

    @Override
    public void create(UUID id, String name, long price) {
        assembly().gateway().sendAndWait(new CreateProduct(id.toString(), name, price));
    }

    @Override
    public long appendOne(UUID id, long price) {
        Long result = assembly().gateway().sendAndWait(new ChangePrice(id.toString(), price));
        return result;
    }

    @Override
    public long roundTrip(UUID id, long price) {
        // Axon runs every command through the gateway, so this is appendOne's path.
        return appendOne(id, price);
    }

    @Override
    public boolean appendOneAttempt(UUID id, long price, int streak) {
        // Axon's repository locks the aggregate pessimistically inside one JVM, so writers here
        // queue on the lock; a conflict would only come from the event store's unique key.
        try {
            appendOne(id, price);
            return true;
        } catch (ConcurrencyException e) {
            return false;
        }
    }

    @Override
    public boolean appendOneAttemptIn(int process, UUID id, long price) {
        try {
            assembly().processes().get(process).sendAndWait(new ChangePrice(id.toString(), price));
            return true;
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ConcurrencyException) {
                    return false; // retried at once by the caller
                }
            }
            throw e;
        }
    }

    @Override
    public void appendBatch(UUID id, int events) {
        assembly().gateway().sendAndWait(new ImportProduct(id.toString(), events));
    }

    @Override
    public long rehydrate(UUID id) {
        UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);
        try {
            long price = assembly().repository().load(id.toString()).invoke(Product::price);
            unitOfWork.commit();
            return price;
        } catch (RuntimeException e) {
            unitOfWork.rollback(e);
            throw e;
        }
    }

    @Override
    public void snapshot(UUID id) {
        // Outside a unit of work the snapshotter runs at once on the calling thread.
        assembly().snapshotter().scheduleSnapshot(Product.class, id.toString());
    }

    @Override
    public long replayCount(long expected) {
        long created = 0;
        long changed = 0;
        try (BlockingStream<TrackedEventMessage<?>> stream = assembly().eventStore().openStream(null)) {
            while (created + changed < expected) {
                if (!stream.hasNextAvailable(REPLAY_STALL_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("replay stalled after " + (created + changed)
                            + " of " + expected + " events");
                }
                Object payload = stream.nextAvailable().getPayload();
                if (payload instanceof ProductCreated) {
                    created++;
                } else if (payload instanceof PriceChanged) {
                    changed++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("replay interrupted", e);
        }
        return created + changed;
    }

    @Override
    public void close() {
        Assembly current = assembly;
        assembly = null;
        if (current != null) {
            current.close();
        }
    }
}
