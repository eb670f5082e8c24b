package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.WriteConcern;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What only a real MongoDB can show (the one allowed exception to "no skipped tests": each test
 * skips on the in-process server, which lacks the feature, and runs when {@code FABULA_MONGO_URL}
 * is set, see the module's README): the sparse unique indexes with void and emptied documents,
 * the majority write concern, and the largest payload under the server's own document limit.
 */
class MongoRealServerTest {
  @BeforeEach
  void realServerOnly() {
    TestMongo.requireRealServer();
  }

  @Test
  void voidAndEmptiedDocumentsNeverCollideInTheSparseUniqueIndexes() {
    MongoOptions options = TestMongo.freshOptions().build();
    MongoCollection<BsonDocument> raw = TestMongo.client().getDatabase(options.database())
        .getCollection(options.eventsCollection(), BsonDocument.class);
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), options)) {
      UUID agg = UUID.randomUUID();
      Event<?> a = store.insert(List.of(TckData.beta("order", agg, 1))).get(0);
      // A conflict voids its number: two voids now, and more below.
      assertThatThrownBy(() -> store.insert(List.of(TckData.beta("order", agg, 1)))).isInstanceOf(ConcurrencyException.class);
      assertThatThrownBy(() -> store.insert(List.of(TckData.beta("order", agg, 1)))).isInstanceOf(ConcurrencyException.class);
      Event<?> b = store.insert(List.of(TckData.alpha("b"))).get(0);
      Event<?> c = store.insert(List.of(TckData.alpha("c"))).get(0);
      store.delete(List.of(a, b, c)); // three emptied documents, without u and k
      assertThat(raw.countDocuments(Filters.exists("u"))).isZero();
      Event<?> again = store.insert(List.of(TckData.beta("order", agg, 1))).get(0);
      assertThatThrownBy(() -> store.insert(List.of(again))).isInstanceOf(DuplicateEventException.class);
      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        assertThat(s.map(Event::id)).containsExactly(again.id());
      }
    }
  }

  @Test
  void writesAreAcknowledgedByAMajorityOfTheJournal() {
    MongoOptions options = TestMongo.freshOptions().build();
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), options)) {
      Event<?> e = store.insert(List.of(TckData.alpha("durable"))).get(0);
      // Read back through a collection that insists on majority acknowledgement too.
      BsonDocument doc = TestMongo.client().getDatabase(options.database())
          .getCollection(options.eventsCollection(), BsonDocument.class)
          .withWriteConcern(WriteConcern.MAJORITY.withJournal(true))
          .find(Filters.eq("_id", EventLayout.seqOf(e.position()))).first();
      assertThat(doc).isNotNull();
      assertThat(store.lastPosition()).isEqualTo(e.position());
    }
  }

  @Test
  void theLargestPayloadFabulaAllowsFitsTheServersDocumentLimit() {
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), TestMongo.freshOptions().build())) {
      // As the kit's readsBackAPayloadJustBelowTheLimit: about 100 bytes below the 16 MiB document limit.
      Event<?> large = TckData.alpha("\u00e9".repeat((1 << 23) - 64));
      store.insert(List.of(large));
      assertThat(store.find(large.id()).orElseThrow().data()).isEqualTo(large.data());
    }
  }
}
