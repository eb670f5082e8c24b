package dev.fabula.bench.fabula;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.RetryPolicy;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.command.AggregateCommands;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.DispatchOptions;
import dev.fabula.bench.Backend;
import dev.fabula.bench.BenchDatabase;
import dev.fabula.bench.BenchSubject;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.repository.Repository;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Fabula's side of the comparison, through Fabula's public API only:
 * <ul>
 *   <li>events: {@link InMemory#eventStore()} for {@link Backend#MEMORY}, the PostgreSQL event
 *       store ({@link Postgres#eventStore}, JSON codec, one HikariCP pool per trial) for
 *       {@link Backend#POSTGRES};</li>
 *   <li>commands: a {@link Repository} of {@link Product} with default retries, used as
 *       {@code repository.use(id, p -> p.changePrice(price))} (load, raise, save); when cached,
 *       the repository keeps every product's state ({@code Repository.Builder.cache}) and
 *       {@code use} loads nothing;</li>
 *   <li>snapshots: the repository reads the latest snapshot from {@link InMemory#snapshotStore()}
 *       on every load (as Axon's event store checks for one on every load), with
 *       {@link SnapshotSchedule#never()}: {@link #snapshot} takes one explicitly, so no write
 *       workload pays for snapshots;</li>
 *   <li>replay: {@code store.query(EventQuery.all())}, the lazy stream a projection reads.</li>
 * </ul>
 * {@link #roundTrip} dispatches a change-price command synchronously on an in-process command bus
 * with {@code callerRuns} on (the handler runs on the dispatching thread, as in Axon's
 * {@code SimpleCommandBus}), whose handler (declared with {@code AggregateCommands}) runs it through the repository's
 * {@code use}. The whole assembly is rebuilt by {@link #reset()}.
 *
 * <p>For PostgreSQL, the stores live on {@link BenchDatabase#url()} in the schema
 * {@link #SCHEMA}.
 */
public final class FabulaSubject implements BenchSubject {

    /** The PostgreSQL schema Fabula's tables live in during benchmarks. */
    public static final String SCHEMA = "bench_fabula";

    /** The repository's default retry back-off, applied by hand in appendOneAttempt. */
    private static final RetryPolicy RETRY = RetryPolicy.defaults();

    /** Names and types of what the PostgreSQL stores encode as JSON. */
    private static final JacksonCodec CODEC = JacksonCodec.create(CodecRegistry.builder()
            .register(Product.CREATED, ProductCreated.class)
            .register(Product.PRICE_CHANGED, PriceChanged.class)
            .registerSnapshot(Product.NAME, Product.State.class)
            .build());

    /** How many products the repositories' caches hold when caching is on (all of them here). */
    private static final int CACHE_SIZE = 100_000;

    private final Backend backend;
    private final boolean cached;
    private Assembly assembly;
    private HikariDataSource dataSource;
    /** Sum of the replayed prices, kept so the projection's reads of event data stay live. */
    private long replayChecksum;

    /**
     * Creates the subject; nothing is opened before {@link #reset()}.
     *
     * @param backend where the events are kept
     * @param cached  whether the repositories cache aggregate state between commands
     *                ({@code Repository.Builder.cache}), so a command does not load from the store
     */
    public FabulaSubject(Backend backend, boolean cached) {
        this.backend = backend;
        this.cached = cached;
    }

    /**
     * The backend this subject was created for.
     *
     * @return the backend
     */
    public Backend backend() {
        return backend;
    }

    private record Assembly(EventStore store,
                            SnapshotStore snapshots,
                            Repository<Product> repository,
                            Repository<Product> noRetry,
                            List<Repository<Product>> processes,
                            List<EventStore> processStores,
                            CommandBus commands) {

        void close() {
            commands.close();
            processStores.forEach(EventStore::close);
            store.close();
            snapshots.close();
        }
    }

    @Override
    public void reset() {
        closeAssembly();
        EventStore store;
        SnapshotStore snapshots;
        if (backend == Backend.MEMORY) {
            store = InMemory.eventStore();
            snapshots = InMemory.snapshotStore();
        } else {
            // One pool for the whole trial; a fresh schema (and so fresh tables) per reset.
            if (dataSource == null) {
                dataSource = Postgres.dataSource(BenchDatabase.url());
            }
            BenchDatabase.recreateSchema(SCHEMA);
            PostgresOptions options = PostgresOptions.builder().schema(SCHEMA).build();
            store = Postgres.eventStore(dataSource, CODEC, options);
            snapshots = Postgres.snapshotStore(dataSource, CODEC, options);
        }
        Repository<Product> repository = repository(store, snapshots)
                .build();
        // For appendOneAttempt: one attempt per use(), so every conflict reaches the caller
        // and is counted there.
        Repository<Product> noRetry = repository(store, snapshots)
                .retry(RetryPolicy.none())
                .build();
        // For appendOneAttemptIn: per "process" an event store of its own over the same tables
        // (on PostgreSQL; in memory the one store is all there is) and a repository that does not
        // take turns, since two processes cannot; one attempt per use().
        List<Repository<Product>> processes = new ArrayList<>();
        List<EventStore> processStores = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            EventStore own = store;
            if (backend == Backend.POSTGRES) {
                own = Postgres.eventStore(dataSource, CODEC, PostgresOptions.builder().schema(SCHEMA).build());
                processStores.add(own);
            }
            processes.add(repository(own, snapshots).takeTurns(false).retry(RetryPolicy.none()).build());
        }
        // Synchronous commands run on the caller's thread, as Axon's SimpleCommandBus does.
        CommandBus commands = CommandBuses.inProcess(CommandBusOptions.defaults().withCallerRuns(true));
        HANDLERS.subscribe(commands, repository);
        assembly = new Assembly(store, snapshots, repository, noRetry, List.copyOf(processes),
                List.copyOf(processStores), commands);
    }

    private Repository.Builder<Product> repository(EventStore store, SnapshotStore snapshots) {
        Repository.Builder<Product> builder = Repository.builder(store, Product::new)
                .snapshots(snapshots, SnapshotSchedule.never());
        return cached ? builder.cache(CACHE_SIZE) : builder;
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
        Repository<Product> repository = assembly().repository();
        Product product = new Product(id);
        product.create(name, price);
        repository.save(product);
    }

    @Override
    public long appendOne(UUID id, long price) {
        return assembly().repository().use(id, p -> p.changePrice(price)).price();
    }

    @Override
    public long roundTrip(UUID id, long price) {
        assembly().commands().dispatch(
                Command.create(CHANGE_PRICE, new ChangePrice(price)).forAggregate(Product.NAME, id),
                DispatchOptions.sync());
        return price; // the handler set exactly this price, or dispatch threw
    }

    /** The change-price command's name. */
    static final String CHANGE_PRICE = "product.change-price";

    /**
     * Payload of the change-price command.
     *
     * @param price the new price in cents
     */
    record ChangePrice(long price) {}

    /** The commands a bench product handles. */
    private static final AggregateCommands<Product> HANDLERS = AggregateCommands.<Product>builder()
            .on(CHANGE_PRICE, ChangePrice.class, (p, c) -> p.changePrice(c.payload().price()))
            .build();


    @Override
    public boolean appendOneAttempt(UUID id, long price, int streak) {
        try {
            assembly().noRetry().use(id, p -> p.changePrice(price));
            return true;
        } catch (ConcurrencyException e) {
            // What use() does between attempts with its default policy, made visible so each
            // conflict is counted: a jittered pause that grows with the streak.
            RETRY.pause(streak);
            return false;
        }
    }

    @Override
    public boolean appendOneAttemptIn(int process, UUID id, long price) {
        try {
            assembly().processes().get(process).use(id, p -> p.changePrice(price));
            return true;
        } catch (ConcurrencyException e) {
            return false; // retried at once by the caller
        }
    }

    @Override
    public void appendBatch(UUID id, int events) {
        Product product = new Product(id);
        product.importWith(events);
        assembly().repository().save(product);
    }

    @Override
    public long rehydrate(UUID id) {
        return assembly().repository().fetch(id).price();
    }

    @Override
    public void snapshot(UUID id) {
        Assembly a = assembly();
        Product product = a.repository().fetch(id);
        a.snapshots().save(new Snapshot(Product.NAME, id, product.version(), Instant.now(),
                product.snapshotState()));
    }

    @Override
    public long replayCount(long expected) {
        long created = 0;
        long changed = 0;
        long prices = 0;
        try (Stream<Event<?>> events = assembly().store().query(EventQuery.all())) {
            Iterator<Event<?>> it = events.iterator();
            while (it.hasNext()) {
                Object data = it.next().data();
                if (data instanceof ProductCreated c) {
                    created++;
                    prices += c.price();
                } else if (data instanceof PriceChanged p) {
                    changed++;
                    prices += p.price();
                }
            }
        }
        replayChecksum += prices;
        return created + changed;
    }

    @Override
    public void close() {
        closeAssembly();
        if (dataSource != null) {
            dataSource.close();
            dataSource = null;
        }
    }

    private void closeAssembly() {
        Assembly current = assembly;
        assembly = null;
        if (current != null) {
            current.close();
        }
    }
}
