package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoClientSettings;
import com.mongodb.ConnectionString;
import com.mongodb.WriteError;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Updates;
import dev.fabula.ClosedException;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.InvalidEventException;
import dev.fabula.event.Metadata;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What goes wrong outside the kit's cases: a server out of reach, a closed client, payloads that
 * no longer decode, documents edited by hand, names that look like operators, the document size
 * limit, and index checks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MongoEventStoreFaultTest {
  private static EventStore store(MongoOptions options) {
    return MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), options);
  }

  private static MongoCollection<BsonDocument> raw(MongoOptions options) {
    return TestMongo.client().getDatabase(options.database()).getCollection(options.eventsCollection(), BsonDocument.class);
  }

  @Test
  void aServerOutOfReachFailsWithAConnectionErrorNamingIt() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    MongoClientSettings settings = MongoClientSettings.builder()
        .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + port))
        .applyToClusterSettings(b -> b.serverSelectionTimeout(300, TimeUnit.MILLISECONDS))
        .build();
    try (MongoClient dead = MongoClients.create(settings);
        EventStore store = MongoDb.eventStore(dead, MongoEventStoreTest.codec(), TestMongo.freshOptions().build())) {
      assertThatThrownBy(() -> store.insert(List.of(TckData.alpha("x"))))
          .isInstanceOf(MongoConnectionException.class)
          .hasMessageContaining("127.0.0.1:" + port);
      assertThatThrownBy(() -> store.find(UUID.randomUUID())).isInstanceOf(MongoConnectionException.class);
      assertThatThrownBy(() -> store.lastPosition()).isInstanceOf(MongoConnectionException.class);
    }
  }

  @Test
  void aClosedClientFailsAsClosedNotAsTheDriversIllegalState() {
    MongoClient client = MongoDb.client(TestMongo.url());
    try (EventStore store = MongoDb.eventStore(client, MongoEventStoreTest.codec(), TestMongo.freshOptions().build())) {
      Event<?> stored = store.insert(List.of(TckData.alpha("before"))).get(0);
      client.close();
      assertThatThrownBy(() -> store.insert(List.of(TckData.alpha("after")))).isInstanceOf(ClosedException.class)
          .hasMessageContaining("MongoClient");
      assertThatThrownBy(() -> store.find(stored.id())).isInstanceOf(ClosedException.class);
      assertThatThrownBy(() -> count(store, EventQuery.all())).isInstanceOf(ClosedException.class);
      assertThatThrownBy(store::lastPosition).isInstanceOf(ClosedException.class);
      assertThatThrownBy(() -> store.delete(List.of(stored))).isInstanceOf(ClosedException.class);
    } finally {
      client.close();
    }
  }

  @Test
  void thePayloadThatNoLongerDecodesIsNamedAndTheRestOfTheStreamStaysReadable() {
    MongoOptions options = TestMongo.freshOptions().build();
    try (EventStore store = store(options)) {
      Event<?> a = store.insert(List.of(TckData.alpha("a"))).get(0);
      Event<?> b = store.insert(List.of(TckData.alpha("b"))).get(0);
      Event<?> c = store.insert(List.of(TckData.alpha("c"))).get(0);
      raw(options).updateOne(Filters.eq("_id", EventLayout.seqOf(b.position())),
          Updates.set("e.0.d", "{\"text\": [1, 2"));

      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        var it = s.iterator();
        assertThat(it.next().id()).isEqualTo(a.id());
        assertThatThrownBy(it::next).isInstanceOfSatisfying(EventDecodingException.class, e -> {
          assertThat(e.eventId()).isEqualTo(b.id());
          assertThat(e.position()).isEqualTo(b.position());
        });
      }
      assertThatThrownBy(() -> store.find(b.id())).isInstanceOf(EventDecodingException.class).hasMessageContaining(b.id().toString());
      // A reader skips the event it cannot decode by reading on after its position.
      assertThat(ids(store, EventQuery.builder().afterPosition(b.position()).build())).containsExactly(c.id());
      // Other names and other events stay readable.
      assertThat(store.find(a.id())).isPresent();
    }
  }

  @Test
  void aDocumentEditedByHandFailsNamingTheDocumentAndTheField() {
    Map<String, Bson> edits = Map.of(
        "e.0.n", Updates.unset("e.0.n"),
        "e.0.t", Updates.set("e.0.t", "yesterday"),
        "e.0.d", Updates.set("e.0.d", 42),
        "e.0.v", Updates.set("e.0.v", "one"),
        "e.0.ai", Updates.set("e.0.ai", "not a uuid"),
        "e.0.m", Updates.set("e.0.m", new BsonDocument("k", new BsonString("v"))),
        "u", Updates.unset("u"),
        "e", Updates.set("e", 5));
    for (Map.Entry<String, Bson> edit : edits.entrySet()) {
      MongoOptions options = TestMongo.freshOptions().build();
      try (EventStore store = store(options)) {
        Event<?> e = store.insert(List.of(TckData.beta("order", UUID.randomUUID(), 1)
            .withMetadata(Metadata.of("user", "u1")))).get(0);
        long seq = EventLayout.seqOf(e.position());
        raw(options).updateOne(Filters.eq("_id", seq), edit.getValue());
        assertThatThrownBy(() -> ids(store, EventQuery.all())).as(edit.getKey())
            .isInstanceOf(MongoStoreException.class)
            .hasMessageContaining("_id " + seq)
            .hasMessageContaining("'" + edit.getKey() + "'");
      }
    }
  }

  @Test
  void aDocumentWithAnIdOfAnotherNumberTypeFailsNamingItAndOneOfAnotherTypeIsNotRead() {
    MongoOptions options = TestMongo.freshOptions().build();
    try (EventStore store = store(options)) {
      Event<?> a = store.insert(List.of(TckData.alpha("a"))).get(0);
      // Not a number: outside the range of sequence numbers every read asks for.
      raw(options).insertOne(new BsonDocument("_id", new BsonString("mine")).append("e", new org.bson.BsonArray()));
      assertThat(ids(store, EventQuery.all())).containsExactly(a.id());
      // A number, but not the int64 Fabula writes.
      raw(options).insertOne(new BsonDocument("_id", new BsonInt32(2)).append("e", new org.bson.BsonArray()));
      assertThatThrownBy(() -> ids(store, EventQuery.all()))
          .isInstanceOf(MongoStoreException.class)
          .hasMessageContaining("_id 2 (INT32)")
          .hasMessageContaining("int64");
    }
  }

  @Test
  void namesThatLookLikeOperatorsAreStoredAndQueriedVerbatim() {
    String eventName = "we$ird.na\"me'";
    String aggName = "$where.x\"'";
    CodecRegistry registry = TckData.registerAll(CodecRegistry.builder()).register(eventName, TckData.Alpha.class).build();
    MongoOptions options = TestMongo.freshOptions().build();
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), JacksonCodec.create(registry), options)) {
      UUID agg = UUID.randomUUID();
      Metadata metadata = new Metadata(Map.of("$set", "$gt", "a.b", "{\"$ne\": null}", "\"q'", "."));
      Event<?> odd = store.insert(List.of(Event.create(eventName, new TckData.Alpha("$inc"))
          .withAggregate(aggName, agg, 1).withMetadata(metadata))).get(0);
      store.insert(List.of(TckData.beta("order", UUID.randomUUID(), 1)));

      Event<?> back = store.find(odd.id()).orElseThrow();
      assertThat(back.name()).isEqualTo(eventName);
      assertThat(back.aggregateOrNull().name()).isEqualTo(aggName);
      assertThat(back.metadata()).isEqualTo(metadata);
      assertThat(back.data()).isEqualTo(new TckData.Alpha("$inc"));
      BsonDocument doc = raw(options).find(Filters.eq("_id", EventLayout.seqOf(odd.position()))).first();
      assertThat(doc.getArray("e").get(0).asDocument().getString("n").getValue()).isEqualTo(eventName);

      assertThat(ids(store, EventQuery.builder().names(eventName).build())).containsExactly(odd.id());
      assertThat(ids(store, EventQuery.builder().aggregateNames(aggName).build())).containsExactly(odd.id());
      assertThat(ids(store, EventQuery.builder().aggregate(aggName).build())).containsExactly(odd.id());
      assertThat(ids(store, EventQuery.builder().aggregate(aggName, agg).build())).containsExactly(odd.id());
      // Values that would be operators or paths if interpreted select nothing.
      assertThat(ids(store, EventQuery.builder().names("{\"$ne\": null}").build())).isEmpty();
      assertThat(ids(store, EventQuery.builder().aggregateNames("$where").build())).isEmpty();
      assertThat(ids(store, EventQuery.builder().aggregate("$where.x").build())).isEmpty();
    }
  }

  @Test
  void aBatchBeyondTheDocumentLimitIsRefusedBeforeAnythingIsWritten() {
    MongoOptions options = TestMongo.freshOptions().build();
    try (EventStore store = store(options)) {
      String nine = "x".repeat(9 * 1024 * 1024);
      List<Event<?>> batch = List.of(TckData.alpha(nine), TckData.alpha(nine));
      assertThatThrownBy(() -> store.insert(batch))
          .isInstanceOf(InvalidBatchException.class)
          .hasMessageContaining(Integer.toString(EventLayout.MAX_DOCUMENT_BYTES))
          .hasMessageContaining(batch.get(0).id().toString());
      // One event whose metadata pushes it over MongoDB's limit, under Fabula's own limits.
      Event<?> one = TckData.alpha("y".repeat(16 * 1024 * 1024 - 100))
          .withMetadata(Metadata.of("note", "z".repeat(1000)));
      assertThatThrownBy(() -> store.insert(List.of(one)))
          .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.eventId()).isEqualTo(one.id()))
          .hasMessageContaining(Integer.toString(EventLayout.MAX_DOCUMENT_BYTES));
      assertThat(count(store, EventQuery.all())).isZero();
      assertThat(raw(options).countDocuments()).isZero();
    }
  }

  @Test
  void aTimeBeyondNanosecondsSinceTheEpochInInt64IsRefused() {
    try (EventStore store = store(TestMongo.freshOptions().build())) {
      Event<?> far = TckData.alpha("far").withTime(Instant.parse("2262-04-11T23:47:16.854775808Z"));
      assertThatThrownBy(() -> store.insert(List.of(far)))
          .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("time"));
    }
  }

  @Test
  void theValidatePolicyOnAnEmptyDatabaseNamesTheIndexesToCreate() {
    MongoOptions options = TestMongo.freshOptions().indexPolicy(MongoOptions.IndexPolicy.VALIDATE).build();
    try (EventStore store = store(options)) {
      assertThatThrownBy(() -> store.insert(List.of(TckData.alpha("x"))))
          .isInstanceOf(MongoSchemaException.class)
          .hasMessageContaining("VALIDATE")
          .hasMessageContaining("createIndex({\"u\": 1}, {name: \"fabula_event_id\", unique: true, sparse: true})")
          .hasMessageContaining("fabula_aggregate_version");
      assertThat(raw(options).countDocuments()).isZero();
    }
    // Once created (here by a CREATE store), VALIDATE accepts them.
    try (EventStore creating = store(MongoOptions.builder().database(options.database()).build())) {
      creating.insert(List.of(TckData.alpha("x")));
    }
    try (EventStore store = store(options)) {
      assertThat(count(store, EventQuery.all())).isEqualTo(1);
    }
  }

  @Test
  void anExistingIndexWithOtherOptionsIsRefusedWithTheCommandToRun() {
    MongoOptions options = TestMongo.freshOptions().build();
    raw(options).createIndex(new BsonDocument("k", new BsonInt32(1)), new IndexOptions().name("fabula_aggregate_version"));
    try (EventStore store = store(options)) {
      assertThatThrownBy(() -> store.insert(List.of(TckData.alpha("x"))))
          .isInstanceOf(MongoSchemaException.class)
          .hasMessageContaining("fabula_aggregate_version")
          .hasMessageContaining("unique false")
          .hasMessageContaining("createIndex({\"k\": 1}");
    }
    MongoOptions other = TestMongo.freshOptions().build();
    raw(other).createIndex(new BsonDocument("u", new BsonInt32(1)), new IndexOptions().name("by_ids"));
    try (EventStore store = store(other)) {
      assertThatThrownBy(() -> store.find(UUID.randomUUID()))
          .isInstanceOf(MongoSchemaException.class)
          .hasMessageContaining("by_ids");
    }
  }

  @Test
  void aDuplicateKeyIsAttributedToItsIndexByKeyPatternOrByMessage() {
    Map<String, String> fields = EventIndexes.FIELDS;
    WriteError byPattern = new WriteError(11000, "E11000 duplicate key error",
        new BsonDocument("keyPattern", new BsonDocument("k", new BsonInt32(1))));
    assertThat(MongoErrors.duplicateKeyField(byPattern, fields)).isEqualTo("k");
    WriteError byName = new WriteError(11000,
        "E11000 duplicate key error collection: db.c index: fabula_event_id dup key: { u: UUID(\"...\") }",
        new BsonDocument());
    assertThat(MongoErrors.duplicateKeyField(byName, fields)).isEqualTo("u");
    WriteError byId = new WriteError(11000, "E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: 3 }",
        new BsonDocument());
    assertThat(MongoErrors.duplicateKeyField(byId, fields)).isEqualTo("_id");
    WriteError notADuplicate = new WriteError(2, "bad value", new BsonDocument());
    assertThat(MongoErrors.duplicateKeyField(notADuplicate, fields)).isNull();
  }

  static long count(EventStore store, EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.count();
    }
  }

  static List<UUID> ids(EventStore store, EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.map(Event::id).toList();
    }
  }
}
