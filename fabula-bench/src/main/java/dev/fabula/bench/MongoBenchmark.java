package dev.fabula.bench;

import com.mongodb.client.MongoClient;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * Fabula's MongoDB event store (issue 21) on the in-process server ({@link BenchMongo}:
 * mongo-java-server, not a real MongoDB), each workload compared with the raw driver doing the
 * same work in {@link RawMongoBenchmark}. Straight on the store's public API, with the JSON codec
 * and the store's default options, in a database of its own per trial.
 *
 * <ul>
 *   <li>{@code appendOne}: {@code insert} of one {@code PriceChanged} at the next version of an
 *       existing product, round-robin over {@code aggregates} [1,000] products (as the PostgreSQL
 *       append row spreads its commands), events/s;</li>
 *   <li>{@code appendBatch10}: {@code insert} of 10 events (a {@code ProductCreated} and 9 price
 *       changes) of a new product, events/s;</li>
 *   <li>{@code rehydrate10k}: {@code query} of one product's {@code streamLength} [10,000] events
 *       (written in inserts of 10), every payload decoded, loads/s;</li>
 *   <li>{@code replay1M}: {@code query(EventQuery.all())} over a store of {@code events}
 *       [1,000,000] events (written in inserts of 1,000), every payload decoded, {@link
 *       BenchMongo#REPLAY_BATCH} documents per cursor batch; single shot, the table turns the time
 *       into events/s.</li>
 * </ul>
 */
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class MongoBenchmark {

    /** The parameters that put these runs in Fabula's column of the MongoDB rows. */
    @State(Scope.Benchmark)
    public abstract static class Side {

        /** Only Fabula: the other side of these rows is the raw driver. */
        @Param(Sides.FABULA)
        public String side;

        /** Always {@code mongodb}. */
        @Param(ResultTable.MONGODB)
        public String backend;

        MongoClient client;
        String database;
        EventStore store;

        /** Refuses parameters these workloads do not have, then opens the store. */
        @Setup(Level.Trial)
        public void open() {
            if (!side.equals(Sides.FABULA) || !backend.equals(ResultTable.MONGODB)) {
                throw new IllegalArgumentException("the MongoDB workloads run with side=fabula and backend="
                        + ResultTable.MONGODB + " only (their raw side is RawMongoBenchmark), got side=" + side
                        + " backend=" + backend);
            }
            client = BenchMongo.client();
            database = BenchMongo.freshDatabase("fabula");
            store = BenchMongo.store(client, database, batchSize());
            prepare();
        }

        /** Documents per cursor batch of the store's queries: its default unless a workload says. */
        int batchSize() {
            return BenchMongo.options(database).batchSize();
        }

        /** The workload's own set-up once the store is open. */
        abstract void prepare();

        /** Closes the store, drops the database and closes the client (what of them a failed set-up made). */
        @TearDown(Level.Trial)
        public void close() {
            try {
                if (store != null) {
                    store.close();
                }
                BenchMongo.drop(client, database);
            } finally {
                if (client != null) {
                    client.close();
                }
            }
        }
    }

    /** Products to append to, each created with its first event at set-up. */
    public static class Writes extends Side {

        /** Products the one-event inserts go round-robin over. */
        @Param("1000")
        public int aggregates;

        UUID[] products;
        int[] versions;
        int next;

        @Override
        void prepare() {
            products = new UUID[aggregates];
            versions = new int[aggregates];
            for (int i = 0; i < aggregates; i++) {
                products[i] = UUID.randomUUID();
                store.insert(List.of(BenchMongo.created(products[i], i)));
                versions[i] = 1;
            }
        }
    }

    /**
     * Events per second, one {@code insert} of one event per operation, round-robin over the
     * products, each at its next version.
     *
     * @param w the store and products
     * @return the stored event's position
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long appendOne(Writes w) {
        int i = w.next;
        w.next = i + 1 == w.aggregates ? 0 : i + 1;
        int version = ++w.versions[i];
        return w.store.insert(List.of(BenchMongo.priceChanged(w.products[i], version, version))).get(0).position();
    }

    /**
     * Events per second, one {@code insert} of 10 events of a new product per operation.
     *
     * @param w the store
     * @return the last stored event's position
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(10)
    public long appendBatch10(Writes w) {
        return w.store.insert(BenchMongo.events(UUID.randomUUID(), 1, 10)).get(9).position();
    }

    /** One product's long stream, and another one's beside it. */
    public static class Stream10k extends Side {

        /** Events in the product's stream. */
        @Param("10000")
        public int streamLength;

        final UUID product = UUID.randomUUID();
        EventQuery byProduct;

        @Override
        void prepare() {
            BenchMongo.seedStream(store, UUID.randomUUID(), streamLength);
            BenchMongo.seedStream(store, product, streamLength);
            byProduct = EventQuery.builder().aggregate(BenchMongo.AGGREGATE, product).build();
        }
    }

    /**
     * Loads per second of one product's events, every payload decoded.
     *
     * @param s the store
     * @return the sum of the prices
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long rehydrate10k(Stream10k s) {
        try (Stream<Event<?>> events = s.store.query(s.byProduct)) {
            return sum(events, s.streamLength);
        }
    }

    /** A whole store. */
    public static class Store extends Side {

        /** Events in the store. */
        @Param("1000000")
        public long events;

        /** {@link BenchMongo#REPLAY_BATCH}: the in-process server does not cap a reply at 16 MiB. */
        @Override
        int batchSize() {
            return BenchMongo.REPLAY_BATCH;
        }

        @Override
        void prepare() {
            BenchMongo.seedAll(store, events);
        }
    }

    /**
     * One full replay: every event in position order, the stream a projection reads.
     *
     * @param s the store
     * @return the number of events
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public long replay1M(Store s) {
        try (Stream<Event<?>> events = s.store.query(EventQuery.all())) {
            sum(events, s.events);
        }
        return s.events;
    }

    /**
     * Sums the prices of the events, checking that there are {@code expected} of them.
     *
     * @return the sum
     * @throws IllegalStateException when there are more or fewer
     */
    private static long sum(Stream<Event<?>> events, long expected) {
        long count = 0;
        long prices = 0;
        Iterator<Event<?>> it = events.iterator();
        while (it.hasNext()) {
            Object data = it.next().data();
            prices += data instanceof PriceChanged p ? p.price() : ((ProductCreated) data).price();
            count++;
        }
        if (count != expected) {
            throw new IllegalStateException("read " + count + " of " + expected + " events");
        }
        return prices;
    }
}
