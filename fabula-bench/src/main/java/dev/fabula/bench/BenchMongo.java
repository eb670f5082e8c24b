package dev.fabula.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.mongodb.MongoDb;
import dev.fabula.mongodb.MongoOptions;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * What the MongoDB benchmarks share ({@link MongoBenchmark}, Fabula's event store, and {@link
 * RawMongoBenchmark}, the raw driver doing the same work): the server, a client and a database of
 * their own per trial, the codec, the benchmark's events, and the documents Fabula writes for
 * them, captured from Fabula's collection so that the raw side writes exactly those bytes.
 *
 * <p>The server is <b>mongo-java-server</b> (memory backend), a MongoDB wire-protocol server
 * written in Java, started once in the benchmark's JVM (the JMH fork) on a free local port: no
 * mongod can be installed on these machines. It is not a real MongoDB (no storage engine, no
 * journal, no replication: the write concern both sides ask for, {@code MAJORITY}, is accepted and
 * costs nothing), so its figures say how Fabula's store compares with the driver on the same
 * server, not what either would do against MongoDB. Both sides talk to it over a loopback socket
 * through the official sync driver, with the client {@link MongoDb#client(String)} builds.
 */
final class BenchMongo {

    /** The aggregate name of every stored event. */
    static final String AGGREGATE = "product";
    /** Event name of {@link ProductCreated}. */
    static final String CREATED = "ProductCreated";
    /** Event name of {@link PriceChanged}. */
    static final String PRICE_CHANGED = "PriceChanged";

    /** Events per insert when a benchmark seeds an aggregate's long stream (commands of 10 events). */
    static final int STREAM_BATCH = 10;

    /** Events per insert when a benchmark seeds the whole store (one new product per 1,000 events). */
    static final int SEED_BATCH = Sides.SEED_BATCH;

    /**
     * Documents per cursor batch in the replay, on both sides: 64 documents of 1,000 events (about
     * 207 KB each) are about 13 MB. A real MongoDB ends a batch at 16 MiB whatever the batch size
     * asks; the in-process server does not, and a reply above the driver's 48 MB limit fails
     * ({@code MongoInternalException}), as the store's default of 1,000 documents does here.
     */
    static final int REPLAY_BATCH = 64;

    /** The codec of Fabula's store; the raw side decodes the same JSON with a plain Jackson mapper. */
    static final JacksonCodec CODEC = JacksonCodec.create(CodecRegistry.builder()
            .register(CREATED, ProductCreated.class)
            .register(PRICE_CHANGED, PriceChanged.class)
            .build());

    private static String url;

    private BenchMongo() {
    }

    /**
     * The in-process server's connection string, started on first use (once per JVM, stopped when
     * the JVM ends).
     *
     * @return its {@code mongodb://} URL
     */
    static synchronized String url() {
        if (url == null) {
            MongoServer server = new MongoServer(new MemoryBackend());
            url = server.bindAndGetConnectionString();
            Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "bench-mongodb-stop"));
        }
        return url;
    }

    /**
     * A client of the in-process server, made by Fabula's factory (the driver's defaults, a ping
     * before it is returned); both sides use one made this way.
     *
     * @return the client; the caller closes it
     */
    static MongoClient client() {
        return MongoDb.client(url());
    }

    /**
     * A database name no other trial uses: {@code bench_<label>_<random>}.
     *
     * @param label what the database is for
     * @return the name
     */
    static String freshDatabase(String label) {
        return "bench_" + label + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * Fabula's options for {@code database}, every other option at its default.
     *
     * @param database the database
     * @return the options
     */
    static MongoOptions options(String database) {
        return MongoOptions.builder().database(database).build();
    }

    /**
     * Fabula's options for {@code database} with {@code batchSize} documents per cursor batch.
     *
     * @param database  the database
     * @param batchSize documents per batch
     * @return the options
     */
    static MongoOptions options(String database, int batchSize) {
        return MongoOptions.builder().database(database).batchSize(batchSize).build();
    }

    /**
     * Fabula's event store on {@code database}.
     *
     * @param client   the client
     * @param database the database
     * @return the store; the caller closes it (it does not close the client)
     */
    static EventStore store(MongoClient client, String database) {
        return MongoDb.eventStore(client, CODEC, options(database));
    }

    /**
     * Fabula's event store on {@code database}, reading {@code batchSize} documents per batch.
     *
     * @param client    the client
     * @param database  the database
     * @param batchSize documents per cursor batch
     * @return the store; the caller closes it
     */
    static EventStore store(MongoClient client, String database, int batchSize) {
        return MongoDb.eventStore(client, CODEC, options(database, batchSize));
    }

    /**
     * The first event of a product.
     *
     * @param aggregate the product's id
     * @param n         a number that varies the name and price
     * @return the event, version 1
     */
    static Event<ProductCreated> created(UUID aggregate, long n) {
        return Event.create(CREATED, new ProductCreated("product " + n, 1_000 + n))
                .withAggregate(AGGREGATE, aggregate, 1);
    }

    /**
     * A price change of a product.
     *
     * @param aggregate the product's id
     * @param version   the event's version in the product's stream
     * @param price     the new price
     * @return the event
     */
    static Event<PriceChanged> priceChanged(UUID aggregate, int version, long price) {
        return Event.create(PRICE_CHANGED, new PriceChanged(price)).withAggregate(AGGREGATE, aggregate, version);
    }

    /**
     * Events {@code from} to {@code from + count - 1} of a product: a {@code ProductCreated} at
     * version 1, else price changes.
     *
     * @param aggregate the product's id
     * @param from      the first version
     * @param count     how many events
     * @return the events, in version order
     */
    static List<Event<?>> events(UUID aggregate, int from, int count) {
        List<Event<?>> events = new ArrayList<>(count);
        for (int v = from; v < from + count; v++) {
            events.add(v == 1 ? created(aggregate, v) : priceChanged(aggregate, v, 1_000 + v));
        }
        return events;
    }

    /**
     * Writes one product's stream of {@code length} events through Fabula's store, in inserts of
     * {@link #STREAM_BATCH} events (commands of 10 events: {@code length / 10} documents).
     *
     * @param store     Fabula's store
     * @param aggregate the product's id
     * @param length    the stream's length
     */
    static void seedStream(EventStore store, UUID aggregate, int length) {
        for (int from = 1; from <= length; from += STREAM_BATCH) {
            store.insert(events(aggregate, from, Math.min(STREAM_BATCH, length - from + 1)));
        }
    }

    /**
     * Writes {@code total} events through Fabula's store, as inserts of {@link #SEED_BATCH}
     * events that each start a new product (as the other replay workloads write them).
     *
     * @param store Fabula's store
     * @param total how many events
     */
    static void seedAll(EventStore store, long total) {
        for (long left = total; left > 0; left -= SEED_BATCH) {
            store.insert(events(UUID.randomUUID(), 1, (int) Math.min(SEED_BATCH, left)));
        }
    }

    /**
     * A document as Fabula's store wrote it, with the store's events collection and indexes.
     *
     * @param bytes   the document's BSON
     * @param indexes the collection's indexes but {@code _id}'s, as {@code listIndexes} gives them
     * @param events  the events the document holds, as they were given to the store
     */
    record Captured(RawBsonDocument bytes, List<BsonDocument> indexes, List<Event<?>> events) {
    }

    /**
     * Inserts {@code events} through Fabula's store into a database of its own (dropped after)
     * and reads back the document the store wrote for the last insert (the one holding the last
     * event), byte for byte, with the collection's indexes.
     *
     * @param client  the client
     * @param inserts the inserts to make, in order; the last one is captured
     * @return the captured document
     * @throws IllegalStateException when no document holds the last insert's events
     */
    static Captured capture(MongoClient client, List<List<Event<?>>> inserts) {
        String database = freshDatabase("capture");
        MongoOptions options = options(database);
        try (EventStore store = MongoDb.eventStore(client, CODEC, options)) {
            for (List<Event<?>> insert : inserts) {
                store.insert(insert);
            }
            List<Event<?>> last = inserts.get(inserts.size() - 1);
            MongoCollection<RawBsonDocument> collection = client.getDatabase(database)
                    .getCollection(options.eventsCollection(), RawBsonDocument.class);
            RawBsonDocument found = null;
            for (RawBsonDocument doc : collection.find()) {
                if (DocumentTemplate.holds(doc, last.get(0).id())) {
                    found = doc;
                }
            }
            if (found == null) {
                throw new IllegalStateException("no document of " + database + "." + options.eventsCollection()
                        + " holds event " + last.get(0).id() + " that Fabula's store inserted");
            }
            List<BsonDocument> indexes = new ArrayList<>();
            for (BsonDocument index : collection.listIndexes(BsonDocument.class)) {
                if (!index.getString("name").getValue().equals("_id_")) {
                    indexes.add(index);
                }
            }
            return new Captured(found, List.copyOf(indexes), List.copyOf(last));
        } finally {
            client.getDatabase(database).drop();
        }
    }

    /**
     * Creates on {@code collection} the indexes of a collection Fabula's store made: same keys,
     * names and options (unique, sparse).
     *
     * @param collection the raw side's collection
     * @param indexes    the indexes, as {@link Captured#indexes()}
     */
    static void createIndexes(MongoCollection<?> collection, List<BsonDocument> indexes) {
        for (BsonDocument index : indexes) {
            IndexOptions options = new IndexOptions().name(index.getString("name").getValue());
            BsonValue unique = index.get("unique");
            if (unique != null && unique.isBoolean()) {
                options.unique(unique.asBoolean().getValue());
            }
            BsonValue sparse = index.get("sparse");
            if (sparse != null && sparse.isBoolean()) {
                options.sparse(sparse.asBoolean().getValue());
            }
            collection.createIndex(index.getDocument("key"), options);
        }
    }

    /**
     * The events collection of Fabula's store on {@code database}, as raw documents.
     *
     * @param client   the client
     * @param database the database
     * @return the collection
     */
    static MongoCollection<BsonDocument> eventsCollection(MongoClient client, String database) {
        MongoDatabase db = client.getDatabase(database);
        return db.getCollection(options(database).eventsCollection(), BsonDocument.class);
    }

    /** Drops a database, if the client is there. */
    static void drop(MongoClient client, String database) {
        if (client != null && database != null) {
            client.getDatabase(database).drop();
        }
    }
}
