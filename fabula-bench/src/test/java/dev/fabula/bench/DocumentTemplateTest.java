package dev.fabula.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw MongoDB side's documents are Fabula's: patched copies of a captured document read back
 * through Fabula's store as the new events, and the server's unique indexes see their new keys.
 * Runs on the in-process server the benchmarks use.
 */
class DocumentTemplateTest {

    private static MongoClient client;

    @BeforeAll
    static void connect() {
        client = BenchMongo.client();
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    @Test
    void patchedCopiesReadBackThroughFabulasStoreAsTheNewEvents() {
        UUID captured = UUID.randomUUID();
        BenchMongo.Captured oneEvent = BenchMongo.capture(client, List.of(
                BenchMongo.events(captured, 1, 1), BenchMongo.events(captured, 2, 1)));
        DocumentTemplate one = DocumentTemplate.of(oneEvent);
        DocumentTemplate ten = DocumentTemplate.of(BenchMongo.capture(client, List.of(
                BenchMongo.events(UUID.randomUUID(), 1, 10))));
        assertThat(one.events()).isEqualTo(1);
        assertThat(ten.events()).isEqualTo(10);

        String database = BenchMongo.freshDatabase("test");
        try {
            MongoCollection<RawBsonDocument> raw = client.getDatabase(database)
                    .getCollection(BenchMongo.options(database).eventsCollection(), RawBsonDocument.class);
            BenchMongo.createIndexes(raw, oneEvent.indexes());
            UUID product = UUID.randomUUID();
            UUID[] tenIds = new UUID[10];
            raw.insertOne(ten.document(7, product, 1, tenIds));
            UUID[] oneIds = new UUID[1];
            RawBsonDocument eleventh = one.document(8, product, 11, oneIds);
            assertThat(eleventh.getByteBuffer().remaining())
                    .as("the same bytes but for the patched values")
                    .isEqualTo(oneEvent.bytes().getByteBuffer().remaining());
            raw.insertOne(eleventh);

            List<Event<?>> read;
            try (EventStore store = BenchMongo.store(client, database);
                 Stream<Event<?>> events = store.query(
                         EventQuery.builder().aggregate(BenchMongo.AGGREGATE, product).build())) {
                read = events.toList();
            }
            assertThat(read).hasSize(11);
            for (int i = 0; i < 11; i++) {
                Event<?> e = read.get(i);
                assertThat(e.id()).isEqualTo(i < 10 ? tenIds[i] : oneIds[0]);
                assertThat(e.aggregateOrNull()).isEqualTo(new AggregateRef(BenchMongo.AGGREGATE, product, i + 1));
            }
            assertThat(read.get(0).data()).isInstanceOf(ProductCreated.class);
            assertThat(read.get(10).data()).isInstanceOf(PriceChanged.class);
            assertThat(read.get(10).position()).isGreaterThan(read.get(9).position());

            // The patched aggregate key is what the unique index sees: version 11 again is refused.
            assertThatThrownBy(() -> raw.insertOne(one.document(9, product, 11, new UUID[1])))
                    .isInstanceOf(MongoWriteException.class)
                    .hasMessageContaining("duplicate key");
        } finally {
            BenchMongo.drop(client, database);
        }
    }

    @Test
    void aDocumentWithoutTheCapturedEventsIsRefusedWithTheReason() {
        Event<?> event = BenchMongo.created(UUID.randomUUID(), 1);
        RawBsonDocument other = new RawBsonDocument(new BsonDocument("_id", new BsonInt64(1)), new BsonDocumentCodec());
        assertThatThrownBy(() -> DocumentTemplate.of(new BenchMongo.Captured(other, List.of(), List.of(event))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("event 0's id " + event.id() + " is not stored as a binary UUID");
    }
}
