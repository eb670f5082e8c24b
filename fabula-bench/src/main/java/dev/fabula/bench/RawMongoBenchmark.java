package dev.fabula.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.mongodb.ReadConcern;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.conversions.Bson;
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
 * The raw MongoDB sync driver doing the work of {@link MongoBenchmark}'s workloads on the same
 * in-process server ({@link BenchMongo}: mongo-java-server, not a real MongoDB), into documents of
 * the shape and size Fabula's store writes: the rate each Fabula row is compared with.
 *
 * <ul>
 *   <li>{@code appendOne} / {@code appendBatch10}: one {@code insertOne} of a document Fabula's
 *       store wrote for one price change / for a batch of 10 events of a new product, captured at
 *       set-up ({@link DocumentTemplate}) and copied with a new {@code _id}, new event ids, the
 *       product's id and version: the same bytes, the same indexes (copied from the collection
 *       Fabula made), the same write concern ({@code MAJORITY}, journaled). It does not encode a
 *       payload (the bytes are ready), read before writing, or allocate a sequence number with the
 *       server; Fabula's store does all three (see {@code fabula-bench/README.md});</li>
 *   <li>{@code appendOneAfterRead}: {@code appendOne} after a {@code find} of the product's
 *       previous version, as Fabula's store checks it: the raw read-then-insert;</li>
 *   <li>{@code rehydrate10k}: the documents of one product's {@code streamLength} [10,000] events
 *       (written by Fabula's store in inserts of 10 events), found through the aggregate-key index
 *       as Fabula finds them, in {@code _id} order; every event taken out of its document and its
 *       payload decoded by Jackson into the event's record; loads/s;</li>
 *   <li>{@code replay1M}: every document of a store of {@code events} [1,000,000] events (written
 *       by Fabula's store in inserts of 1,000), through a cursor sorted by {@code _id} with Fabula's
 *       batch size ({@link BenchMongo#REPLAY_BATCH} documents), each event decoded as above; single shot, the table turns the time into events/s.</li>
 * </ul>
 * The read workloads read collections filled by Fabula's store at set-up, so both sides read the
 * same documents.
 */
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class RawMongoBenchmark {

    /** A plain Jackson mapper, as a raw driver user would decode payloads with. */
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Its reader of each payload type, made once (as Fabula's codec keeps one per type). */
    private static final ObjectReader CREATED_READER = JSON.readerFor(ProductCreated.class);
    private static final ObjectReader PRICE_CHANGED_READER = JSON.readerFor(PriceChanged.class);

    /** Documents per cursor batch: Fabula's default ({@code MongoOptions.batchSize()}). */
    static final int BATCH_SIZE = BenchMongo.options("x").batchSize();

    /**
     * An event as the raw side reads it: every field of the stored event, the payload decoded.
     *
     * @param id            event id
     * @param name          event name
     * @param time          nanoseconds since the epoch
     * @param aggregateName aggregate name
     * @param aggregateId   aggregate id
     * @param version       version in the aggregate's stream
     * @param seq           the document's sequence number
     * @param data          the payload
     */
    record RawEvent(UUID id, String name, long time, String aggregateName, UUID aggregateId, int version, long seq,
                    Object data) {
    }

    /**
     * The raw side's write set-up: a client, a collection with Fabula's indexes, and the templates
     * of a one-event and a ten-event document.
     */
    @State(Scope.Benchmark)
    public static class Writes {

        /** Products the one-event inserts go round-robin over. */
        @Param("1000")
        public int aggregates;

        MongoClient client;
        String database;
        MongoCollection<RawBsonDocument> events;
        DocumentTemplate one;
        DocumentTemplate ten;
        UUID[] products;
        int[] versions;
        int next;
        long seq;
        final UUID[] ids = new UUID[10];

        /** Captures Fabula's documents, makes the collection and writes the products. */
        @Setup(Level.Trial)
        public void open() {
            client = BenchMongo.client();
            UUID captured = UUID.randomUUID();
            one = DocumentTemplate.of(BenchMongo.capture(client, List.of(
                    BenchMongo.events(captured, 1, 1), BenchMongo.events(captured, 2, 1))));
            ten = DocumentTemplate.of(BenchMongo.capture(client, List.of(BenchMongo.events(UUID.randomUUID(), 1, 10))));
            BenchMongo.Captured indexes = BenchMongo.capture(client, List.of(BenchMongo.events(UUID.randomUUID(), 1, 1)));
            database = BenchMongo.freshDatabase("raw");
            events = client.getDatabase(database)
                    .getCollection(BenchMongo.options(database).eventsCollection(), RawBsonDocument.class)
                    .withWriteConcern(WriteConcern.MAJORITY.withJournal(true));
            BenchMongo.createIndexes(events, indexes.indexes());
            checkFabulaReads(this);
            products = new UUID[aggregates];
            versions = new int[aggregates];
            for (int i = 0; i < aggregates; i++) {
                products[i] = UUID.randomUUID();
                events.insertOne(one.document(++seq, products[i], 1, ids));
                versions[i] = 1;
            }
        }

        /** Drops the database and closes the client (what of them a failed set-up made). */
        @TearDown(Level.Trial)
        public void close() {
            try {
                BenchMongo.drop(client, database);
            } finally {
                if (client != null) {
                    client.close();
                }
            }
        }

        /** A fresh product id (random, as the raw side's event ids). */
        UUID newProduct() {
            return DocumentTemplate.randomId();
        }
    }

    /**
     * Checks, at set-up, that what the raw side writes is a document Fabula's store reads as its
     * own: a ten-event and a one-event document at a new product, read back through a Fabula store
     * on the raw collection, must be those events (ids, versions, payloads).
     */
    private static void checkFabulaReads(Writes w) {
        UUID product = UUID.randomUUID();
        UUID[] tenIds = new UUID[10];
        w.events.insertOne(w.ten.document(++w.seq, product, 1, tenIds));
        UUID[] oneIds = new UUID[1];
        w.events.insertOne(w.one.document(++w.seq, product, 11, oneIds));
        List<Event<?>> read;
        try (EventStore store = BenchMongo.store(w.client, w.database);
             Stream<Event<?>> stream = store.query(EventQuery.builder().aggregate(BenchMongo.AGGREGATE, product).build())) {
            read = stream.toList();
        }
        if (read.size() != 11) {
            throw new IllegalStateException("Fabula's store reads " + read.size()
                    + " events of the raw side's 11 for product " + product + ": " + read);
        }
        for (int i = 0; i < 11; i++) {
            Event<?> e = read.get(i);
            UUID expected = i < 10 ? tenIds[i] : oneIds[0];
            if (!e.id().equals(expected) || e.aggregateOrNull() == null || e.aggregateOrNull().version() != i + 1
                    || !e.aggregateOrNull().id().equals(product)) {
                throw new IllegalStateException("the raw side's event " + i + " reads back through Fabula's store as "
                        + e + ", expected id " + expected + ", product " + product + ", version " + (i + 1));
            }
        }
        if (!(read.get(0).data() instanceof ProductCreated) || !(read.get(10).data() instanceof PriceChanged)) {
            throw new IllegalStateException("the raw side's payloads read back as " + read.get(0).data() + " and "
                    + read.get(10).data());
        }
    }

    /**
     * Events per second, one document of one event per {@code insertOne}, round-robin over the
     * products, each at its next version.
     *
     * @param w the collection and template
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void appendOne(Writes w) {
        int i = w.next;
        w.next = i + 1 == w.aggregates ? 0 : i + 1;
        int version = ++w.versions[i];
        w.events.insertOne(w.one.document(++w.seq, w.products[i], version, w.ids));
    }

    /**
     * Events per second as {@link #appendOne}, each insert after a {@code find} of the document
     * holding the product's previous version through the aggregate-key index (only its {@code
     * _id} returned): the read a store that refuses a batch continuing a stream it does not hold
     * must make first, as Fabula's does. The raw ceiling of a read-then-insert.
     *
     * @param w the collection and template
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void appendOneAfterRead(Writes w) {
        int i = w.next;
        w.next = i + 1 == w.aggregates ? 0 : i + 1;
        int version = ++w.versions[i];
        UUID product = w.products[i];
        String previous = BenchMongo.AGGREGATE + "\0" + product + "\0" + DocumentTemplate.pad(version - 1);
        if (w.events.find(Filters.eq("k", previous)).projection(Projections.include("_id")).first() == null) {
            throw new IllegalStateException("no document holds version " + (version - 1) + " of product " + product);
        }
        w.events.insertOne(w.one.document(++w.seq, product, version, w.ids));
    }

    /**
     * Events per second, one document of 10 events of a new product per {@code insertOne}.
     *
     * @param w the collection and template
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(10)
    public void appendBatch10(Writes w) {
        w.events.insertOne(w.ten.document(++w.seq, w.newProduct(), 1, w.ids));
    }

    /** One product's long stream, written by Fabula's store. */
    @State(Scope.Benchmark)
    public static class Stream10k {

        /** Events in the product's stream. */
        @Param("10000")
        public int streamLength;

        MongoClient client;
        String database;
        MongoCollection<BsonDocument> events;
        final UUID product = UUID.randomUUID();
        Bson byProduct;

        /** Writes the stream (and another product's beside it). */
        @Setup(Level.Trial)
        public void open() {
            client = BenchMongo.client();
            database = BenchMongo.freshDatabase("raw_stream");
            try (EventStore store = BenchMongo.store(client, database)) {
                BenchMongo.seedStream(store, UUID.randomUUID(), streamLength);
                BenchMongo.seedStream(store, product, streamLength);
            }
            events = BenchMongo.eventsCollection(client, database);
            byProduct = aggregateKeys(BenchMongo.AGGREGATE, product);
        }

        /** Drops the database and closes the client. */
        @TearDown(Level.Trial)
        public void close() {
            try {
                BenchMongo.drop(client, database);
            } finally {
                if (client != null) {
                    client.close();
                }
            }
        }
    }

    /**
     * Documents holding an event of one aggregate, through the index on the aggregate keys
     * ({@code name NUL id NUL version}): any key between the aggregate's first and last possible
     * one, as Fabula's store asks for an aggregate's events.
     */
    static Bson aggregateKeys(String aggregate, UUID id) {
        String prefix = aggregate + "\0" + id + "\0";
        return new BsonDocument("k", new BsonDocument("$elemMatch",
                new BsonDocument("$gte", new BsonString(prefix + "0000000001"))
                        .append("$lte", new BsonString(prefix + "2147483647"))));
    }

    /**
     * Loads per second of one product's events, every payload decoded.
     *
     * @param s the stream
     * @return the sum of the prices
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long rehydrate10k(Stream10k s) {
        Counter counter = new Counter();
        try (MongoCursor<BsonDocument> cursor = s.events.find(s.byProduct)
                .projection(Projections.exclude("k"))
                .sort(Sorts.ascending("_id"))
                .batchSize(BATCH_SIZE)
                .iterator()) {
            while (cursor.hasNext()) {
                counter.document(cursor.next());
            }
        }
        return counter.check(s.streamLength);
    }

    /** A whole store, written by Fabula's store. */
    @State(Scope.Benchmark)
    public static class Store {

        /** Events in the store. */
        @Param("1000000")
        public long events;

        MongoClient client;
        String database;
        MongoCollection<BsonDocument> collection;

        /** Writes the events. */
        @Setup(Level.Trial)
        public void open() {
            client = BenchMongo.client();
            database = BenchMongo.freshDatabase("raw_replay");
            try (EventStore store = BenchMongo.store(client, database)) {
                BenchMongo.seedAll(store, events);
            }
            // Fabula's store-following reads ask for majority read concern (accepted and ignored by
            // the in-process server): so does this one.
            collection = BenchMongo.eventsCollection(client, database).withReadConcern(ReadConcern.MAJORITY);
        }

        /** Drops the database and closes the client. */
        @TearDown(Level.Trial)
        public void close() {
            try {
                BenchMongo.drop(client, database);
            } finally {
                if (client != null) {
                    client.close();
                }
            }
        }
    }

    /**
     * One full replay: every batch document ({@code _id} from 1) in {@code _id} order, each event
     * decoded.
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
        Counter counter = new Counter();
        try (MongoCursor<BsonDocument> cursor = s.collection.find(Filters.gte("_id", 1L))
                .sort(Sorts.ascending("_id"))
                .batchSize(BenchMongo.REPLAY_BATCH)
                .iterator()) {
            while (cursor.hasNext()) {
                counter.document(cursor.next());
            }
        }
        counter.check(s.events);
        return counter.count;
    }

    /** Takes the events out of documents and decodes them, counting them and summing the prices. */
    private static final class Counter {
        long count;
        long prices;

        void document(BsonDocument doc) {
            long seq = doc.getInt64("_id").getValue();
            BsonArray ids = doc.getArray("u");
            BsonArray events = doc.getArray("e");
            for (int x = 0; x < events.size(); x++) {
                RawEvent e = decode(seq, ids.get(x).asBinary().getData(), events.get(x).asDocument());
                count++;
                prices += e.data() instanceof PriceChanged p ? p.price() : ((ProductCreated) e.data()).price();
            }
        }

        long check(long expected) {
            if (count != expected) {
                throw new IllegalStateException("read " + count + " of " + expected + " events");
            }
            return prices;
        }
    }

    /** One stored event (its id from the document's id array), its payload decoded by Jackson into its record. */
    static RawEvent decode(long seq, byte[] id, BsonDocument e) {
        String name = e.getString("n").getValue();
        ObjectReader reader = switch (name) {
            case BenchMongo.CREATED -> CREATED_READER;
            case BenchMongo.PRICE_CHANGED -> PRICE_CHANGED_READER;
            default -> throw new IllegalStateException("unknown event name " + name);
        };
        Object data;
        try {
            data = reader.readValue(e.getString("d").getValue());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return new RawEvent(uuid(id), name, e.getInt64("t").getValue(),
                e.getString("a").getValue(), uuid(e.getBinary("ai").getData()), e.getInt32("v").getValue(), seq, data);
    }

    private static UUID uuid(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new UUID(b.getLong(), b.getLong());
    }
}
