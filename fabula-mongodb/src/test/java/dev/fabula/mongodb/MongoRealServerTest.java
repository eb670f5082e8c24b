package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ReadConcern;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.connection.ClusterType;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What only a real MongoDB can show: the sparse unique indexes with void and emptied documents,
 * the majority write concern, and the largest payload under the server's own document limit. The
 * in-process server lacks these features, so the tests carry the tag {@code real-mongodb}, which
 * the build leaves out unless {@code FABULA_MONGO_URL} is set (the module's pom and README); run by
 * hand without a real server, each test is skipped with a message saying why.
 */
@Tag("real-mongodb")
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
    try (MongoEventStore store = (MongoEventStore) MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), options)) {
      assertThat(store.writeConcern()).isEqualTo(WriteConcern.MAJORITY.withJournal(true));
      Event<?> e = store.insert(List.of(TckData.alpha("durable"))).get(0);
      // The server accepted the insert under that write concern, and a majority read sees it.
      BsonDocument doc = TestMongo.client().getDatabase(options.database())
          .getCollection(options.eventsCollection(), BsonDocument.class)
          .withReadConcern(ReadConcern.MAJORITY)
          .find(Filters.eq("_id", EventLayout.seqOf(e.position()))).first();
      assertThat(doc).isNotNull();
      assertThat(store.lastPosition()).isEqualTo(e.position());
    }
  }

  @Test
  void onAReplicaSetFollowReadsRunInOneCausallyConsistentSession() {
    ClusterType type = TestMongo.client().getClusterDescription().getType();
    MongoOptions options = TestMongo.freshOptions().build();
    try (MongoEventStore store = (MongoEventStore) MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), options)) {
      List<Event<?>> written = store.insert(List.of(TckData.alpha("a"), TckData.alpha("b")));
      assertThat(store.followsInSessions()).as(type.toString())
          .isEqualTo(type == ClusterType.REPLICA_SET || type == ClusterType.SHARDED);
      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        assertThat(s.map(Event::id)).containsExactly(written.get(0).id(), written.get(1).id());
      }
      assertThat(store.lastPosition()).isEqualTo(written.get(1).position());
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
