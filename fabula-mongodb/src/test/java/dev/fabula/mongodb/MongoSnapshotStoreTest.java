package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Updates;
import dev.fabula.ClosedException;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotDecodingException;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.State;
import dev.fabula.tck.snapshot.SnapshotStoreConformance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** The kit's snapshot store suite, each test in a database of its own, and MongoDB's own cases. */
class MongoSnapshotStoreTest extends SnapshotStoreConformance {
  private static final Instant T = Instant.parse("2026-05-01T08:00:00.123456789Z");

  private MongoOptions options = TestMongo.freshOptions().build();

  @Override
  protected SnapshotStore newStore() {
    options = TestMongo.freshOptions().build();
    return MongoDb.snapshotStore(TestMongo.client(), codec(), options);
  }

  private static JacksonCodec codec() {
    return JacksonCodec.create(TckData.registry());
  }

  private MongoCollection<BsonDocument> raw() {
    return TestMongo.client().getDatabase(options.database()).getCollection(options.snapshotsCollection(), BsonDocument.class);
  }

  @Test
  void storesOneDocumentPerVersionWithTheTimeInNanosecondsAndTheStateAsTheCodecsJson() {
    UUID id = UUID.randomUUID();
    store().save(new Snapshot(TckData.AGGREGATE, id, 3, T, new State(7, "x")));
    BsonDocument doc = raw().find().first();
    assertThat(doc).isNotNull();
    assertThat(doc.getString("a").getValue()).isEqualTo(TckData.AGGREGATE);
    assertThat(doc.getBinary("i").asUuid()).isEqualTo(id);
    assertThat(doc.getInt32("v").getValue()).isEqualTo(3);
    assertThat(doc.getInt64("t").getValue()).isEqualTo(T.getEpochSecond() * 1_000_000_000L + 123_456_789);
    assertThat(doc.getString("s").getValue()).contains("\"x\"");
    assertThat(store().latest(TckData.AGGREGATE, id).orElseThrow().time()).isEqualTo(T);
  }

  @Test
  void createsItsIndexOnFirstUse() {
    List<String> names = new ArrayList<>();
    raw().listIndexes(BsonDocument.class).forEach(i -> names.add(i.getString("name").getValue()));
    assertThat(names).contains("fabula_snapshot_aggregate");
  }

  @Test
  void underValidateAMissingIndexIsAnErrorGivingTheCommandToRun() {
    MongoOptions validate = TestMongo.freshOptions().indexPolicy(MongoOptions.IndexPolicy.VALIDATE).build();
    assertThatThrownBy(() -> MongoDb.snapshotStore(TestMongo.client(), codec(), validate))
        .isInstanceOf(MongoSchemaException.class)
        .hasMessageContaining(validate.database() + ".fabula_snapshots")
        .hasMessageContaining("VALIDATE")
        .hasMessageContaining("createIndex({\"a\": 1, \"i\": 1, \"v\": -1}, {name: \"fabula_snapshot_aggregate\"})");
    // ... and once it exists, VALIDATE accepts it
    MongoDb.snapshotStore(TestMongo.client(), codec(), MongoOptions.builder().database(validate.database()).build()).close();
    MongoDb.snapshotStore(TestMongo.client(), codec(), validate).close();
  }

  @Test
  void anExistingIndexWithTheNameButOtherKeysOrOptionsIsAnError() {
    MongoOptions o = TestMongo.freshOptions().build();
    MongoCollection<BsonDocument> c =
        TestMongo.client().getDatabase(o.database()).getCollection(o.snapshotsCollection(), BsonDocument.class);
    c.createIndex(new BsonDocument("a", new BsonInt32(1)), new IndexOptions().name("fabula_snapshot_aggregate"));
    assertThatThrownBy(() -> MongoDb.snapshotStore(TestMongo.client(), codec(), o))
        .isInstanceOf(MongoSchemaException.class)
        .hasMessageContaining("fabula_snapshot_aggregate")
        .hasMessageContaining("drop it and run")
        .hasMessageContaining("createIndex(");
  }

  @Test
  void aDocumentEditedIntoAnotherShapeIsAnErrorNamingIt() {
    UUID id = UUID.randomUUID();
    store().save(new Snapshot(TckData.AGGREGATE, id, 1, T, new State(1, "x")));
    raw().updateOne(new BsonDocument(), Updates.set("t", new BsonString("yesterday")));
    assertThatThrownBy(() -> store().latest(TckData.AGGREGATE, id))
        .isInstanceOf(MongoStoreException.class)
        .hasMessageContaining(options.database() + "." + options.snapshotsCollection())
        .hasMessageContaining(id.toString())
        .hasMessageContaining("field t must be an int64, but it is STRING")
        .hasMessageContaining("\\0" + id + "\\0" + 1)
        .as("the NUL separators of the _id are shown escaped").hasMessageNotContaining("\0");
    raw().updateOne(new BsonDocument(), Updates.unset("s"));
    assertThatThrownBy(() -> store().latest(TckData.AGGREGATE, id))
        .isInstanceOf(MongoStoreException.class)
        .hasMessageContaining("field");
  }

  @Test
  void aStateWhoseJsonIsJustUnderTheLimitButWhoseDocumentIsNotIsRefusedNamingMongoDbsLimit() {
    UUID id = UUID.randomUUID();
    // {"total":1,"label":"xxx..."}: 28 bytes of JSON around the label, so the JSON is 16 MiB - 2
    // bytes, within EventLimits, while the document adds its _id, name, id, version, time, revision.
    String label = "x".repeat(dev.fabula.spi.EventLimits.MAX_PAYLOAD_BYTES - 30);
    assertThatThrownBy(() -> store().save(new Snapshot(TckData.AGGREGATE, id, 1, T, new State(1, label))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the snapshot of " + TckData.AGGREGATE + " " + id + " at version 1")
        .hasMessageContaining("MongoDB's limit of 16777216 bytes per document");
    assertThat(store().latest(TckData.AGGREGATE, id)).isEmpty();
  }

  @Test
  void aStateThatNoLongerDecodesNamesTheSnapshotAndTheOthersStillRead() {
    UUID bad = new UUID(1, 1);
    UUID good = new UUID(1, 2);
    store().save(new Snapshot(TckData.AGGREGATE, bad, 1, T, new State(1, "x")));
    store().save(new Snapshot(TckData.AGGREGATE, good, 1, T, new State(2, "y")));
    raw().updateOne(Filters.eq("i", StoredFields.binary(bad)), Updates.set("s", new BsonString("{\"count\": \"many\"")));
    assertThatThrownBy(() -> store().latest(TckData.AGGREGATE, bad))
        .isInstanceOf(SnapshotDecodingException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("version 1");
    assertThat(store().latest(TckData.AGGREGATE, good)).isPresent();
  }

  @Test
  void namesThatMeanSomethingToMongoDbAreStoredAndQueriedVerbatim() {
    var registry = TckData.registerAll(dev.fabula.codec.CodecRegistry.builder());
    List<String> names = List.of("$where", "a.b", "{\"$gt\": \"\"}", "it's");
    for (String n : names) {
      registry.registerSnapshot(n, State.class);
    }
    MongoOptions o = TestMongo.freshOptions().build();
    try (SnapshotStore s = MongoDb.snapshotStore(TestMongo.client(), JacksonCodec.create(registry.build()), o)) {
      UUID id = UUID.randomUUID();
      for (String n : names) {
        s.save(new Snapshot(n, id, 1, T, new State(n.length(), n)));
      }
      for (String n : names) {
        assertThat(s.latest(n, id).orElseThrow().state()).isEqualTo(new State(n.length(), n));
        try (Stream<Snapshot> q = s.query(SnapshotQuery.builder().aggregateNames(n).build())) {
          assertThat(q.map(Snapshot::aggregateName).toList()).containsExactly(n);
        }
      }
    }
  }

  @Test
  void aTimeBeyondInt64NanosecondsIsRefusedNamingTheSnapshot() {
    UUID id = UUID.randomUUID();
    assertThatThrownBy(() -> store().save(new Snapshot(TckData.AGGREGATE, id, 1, Instant.parse("2300-01-01T00:00:00Z"), new State(1, "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(id.toString())
        .hasMessageContaining("2262");
    assertThat(store().latest(TckData.AGGREGATE, id)).isEmpty();
  }

  @Test
  void aClosedClientIsAClosedException() {
    MongoClient client = MongoDb.client(TestMongo.url());
    SnapshotStore s = MongoDb.snapshotStore(client, codec(), TestMongo.freshOptions().build());
    client.close();
    assertThatThrownBy(() -> s.latest(TckData.AGGREGATE, UUID.randomUUID()))
        .isInstanceOf(ClosedException.class)
        .hasMessageContaining("MongoClient");
  }

  @Test
  void storedRawNumbersOfAnotherIntegerTypeStillRead() {
    UUID id = UUID.randomUUID();
    store().save(new Snapshot(TckData.AGGREGATE, id, 1, T, new State(1, "x")));
    raw().updateOne(new BsonDocument(), Updates.set("t", new BsonInt32(5)));
    assertThat(store().latest(TckData.AGGREGATE, id).orElseThrow().time()).isEqualTo(Instant.ofEpochSecond(0, 5));
  }
}
