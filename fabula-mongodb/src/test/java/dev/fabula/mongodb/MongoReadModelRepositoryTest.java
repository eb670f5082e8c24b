package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.fabula.ClosedException;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.UnknownNameException;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.readmodel.ReadModelDecodingException;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.State;
import dev.fabula.tck.TckData.Tally;
import dev.fabula.tck.readmodel.ReadModelRepositoryConformance;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kit's read-model suite, each test in a database of its own, and MongoDB's own cases. */
class MongoReadModelRepositoryTest extends ReadModelRepositoryConformance {
  private static final ReadModelOptions<String, Tally> TALLIES = ReadModelOptions.of(TckData.TALLY, Tally.class, Tally::id);

  @Override
  protected ReadModelRepository<String, Tally> newRepository(ReadModelOptions<String, Tally> options) {
    return MongoDb.readModels(TestMongo.client(), codec(), options, TestMongo.freshOptions().build());
  }

  private static JacksonCodec codec() {
    return JacksonCodec.create(TckData.registry());
  }

  private static MongoCollection<BsonDocument> raw(MongoOptions o, String name) {
    return TestMongo.client().getDatabase(o.database()).getCollection(name, BsonDocument.class);
  }

  @Test
  void keepsOneDocumentPerModelInACollectionNamedByTheOptions() {
    MongoOptions o = TestMongo.freshOptions().build();
    var repo = MongoDb.readModels(TestMongo.client(), codec(), TALLIES, o);
    repo.save(new Tally("t1", 2, List.of("a", "b")));
    BsonDocument doc = raw(o, TckData.TALLY).find().first();
    assertThat(doc).isNotNull();
    assertThat(doc.keySet()).containsExactly("_id", "r", "c", "d");
    assertThat(doc.getString("_id").getValue()).isEqualTo("t1");
    assertThat(doc.get("r").isInt64()).isTrue();
    assertThat(doc.getInt32("c").getValue()).isEqualTo(1);
    assertThat(doc.getString("d").getValue()).isEqualTo("{\"id\":\"t1\",\"count\":2,\"labels\":[\"a\",\"b\"]}");
  }

  @Test
  void nulInAnIdOrInTheModelIsRefusedNamingTheModelAndNothingIsStored() {
    MongoOptions o = TestMongo.freshOptions().build();
    var repo = MongoDb.readModels(TestMongo.client(), codec(), TALLIES, o);
    assertThatThrownBy(() -> repo.save(Tally.empty("t\0"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
    assertThatThrownBy(() -> repo.find("t\0")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
    assertThatThrownBy(() -> repo.save(new Tally("t1", 0, List.of("a\0b"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tck.tally read model t1")
        .hasMessageContaining("NUL");
    assertThat(repo.find("t1")).isEmpty();
    assertThat(raw(o, TckData.TALLY).countDocuments()).isZero();
  }

  @Test
  void aModelWhoseJsonIsJustUnderTheLimitButWhoseDocumentIsNotIsRefusedNamingMongoDbsLimit() {
    MongoOptions o = TestMongo.freshOptions().build();
    var repo = MongoDb.readModels(TestMongo.client(), codec(), TALLIES, o);
    // {"id":"t1","count":0,"labels":["xxx..."]}: 38 bytes around the label, so the JSON is
    // 16 MiB - 2 bytes, within EventLimits, while the document adds its _id and revisions.
    String label = "x".repeat(dev.fabula.spi.EventLimits.MAX_PAYLOAD_BYTES - 40);
    assertThatThrownBy(() -> repo.save(new Tally("t1", 0, List.of(label))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the tck.tally read model t1")
        .hasMessageContaining("MongoDB's limit of 16777216 bytes per document");
    assertThat(repo.find("t1")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tallies$", "system.tallies", ".tallies", "tallies."})
  void aNameMongoDbForbidsForACollectionIsRefused(String name) {
    var registry = CodecRegistry.builder().register(name, Tally.class).build();
    assertThatThrownBy(() -> MongoDb.readModels(TestMongo.client(), JacksonCodec.create(registry),
            ReadModelOptions.of(name, Tally.class, Tally::id), TestMongo.freshOptions().build()))
        .isInstanceOf(MongoNameException.class)
        .hasMessageContaining("cannot be a MongoDB collection name");
  }

  @Test
  void aNameAnotherStoreHasIsRefused() {
    var registry = CodecRegistry.builder().register("fabula_snapshots", Tally.class).build();
    assertThatThrownBy(() -> MongoDb.readModels(TestMongo.client(), JacksonCodec.create(registry),
            ReadModelOptions.of("fabula_snapshots", Tally.class, Tally::id), TestMongo.freshOptions().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fabula_snapshots")
        .hasMessageContaining("another store");
  }

  @Test
  void theCodecMustKnowTheNameWithTheModelsType() {
    var without = JacksonCodec.create(CodecRegistry.builder().register(TckData.ALPHA, TckData.Alpha.class).build());
    assertThatThrownBy(() -> MongoDb.readModels(TestMongo.client(), without, TALLIES, TestMongo.freshOptions().build()))
        .isInstanceOfSatisfying(UnknownNameException.class, e -> assertThat(e.name()).isEqualTo(TckData.TALLY));
    var other = JacksonCodec.create(CodecRegistry.builder().register(TckData.TALLY, State.class).build());
    assertThatThrownBy(() -> MongoDb.readModels(TestMongo.client(), other, TALLIES, TestMongo.freshOptions().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TckData.TALLY)
        .hasMessageContaining(State.class.getName())
        .hasMessageContaining(Tally.class.getName());
  }

  @Test
  void aDocumentEditedIntoAnotherShapeIsAnErrorNamingIt() {
    MongoOptions o = TestMongo.freshOptions().build();
    var repo = MongoDb.readModels(TestMongo.client(), codec(), TALLIES, o);
    repo.save(Tally.empty("t1"));
    raw(o, TckData.TALLY).updateOne(Filters.eq("_id", "t1"), Updates.unset("r"));
    assertThatThrownBy(() -> repo.find("t1"))
        .isInstanceOf(MongoStoreException.class)
        .hasMessageContaining(o.database() + "." + TckData.TALLY)
        .hasMessageContaining("\"t1\"")
        .hasMessageContaining("field r must be an int64, but it is missing");
    raw(o, TckData.TALLY).updateOne(Filters.eq("_id", "t1"), Updates.combine(Updates.set("r", 1L),
        Updates.set("d", new BsonDocument("id", new BsonString("t1")))));
    assertThatThrownBy(() -> repo.use("t1", t -> t.plus("x")))
        .isInstanceOf(MongoStoreException.class)
        .hasMessageContaining("field d must be a string, but it is DOCUMENT");
  }

  @Test
  void aModelThatNoLongerDecodesIsAnErrorNamingTheKindAndTheId() {
    MongoOptions o = TestMongo.freshOptions().build();
    var repo = MongoDb.readModels(TestMongo.client(), codec(), TALLIES, o);
    repo.save(Tally.empty("t1"));
    repo.save(Tally.empty("t2"));
    raw(o, TckData.TALLY).updateOne(Filters.eq("_id", "t1"), Updates.set("d", "{\"id\":\"t1\",\"count\":\"many\"}"));
    assertThatThrownBy(() -> repo.fetch("t1"))
        .isInstanceOfSatisfying(ReadModelDecodingException.class, e -> {
          assertThat(e.name()).isEqualTo(TckData.TALLY);
          assertThat(e.id()).isEqualTo("t1");
        })
        .hasMessageContaining("tck.tally read model t1");
    assertThat(repo.fetch("t2")).isEqualTo(Tally.empty("t2"));
    // saving a model replaces the undecodable one
    repo.save(Tally.empty("t1"));
    assertThat(repo.fetch("t1")).isEqualTo(Tally.empty("t1"));
  }

  @Test
  void anIdWithANulCharacterIsRefused() {
    var repo = MongoDb.readModels(TestMongo.client(), codec(), TALLIES, TestMongo.freshOptions().build());
    assertThatThrownBy(() -> repo.save(Tally.empty("t\0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
  }

  @Test
  void aClosedClientIsAClosedException() {
    MongoClient client = MongoDb.client(TestMongo.url());
    var repo = MongoDb.readModels(client, codec(), TALLIES, TestMongo.freshOptions().build());
    client.close();
    assertThatThrownBy(() -> repo.find("t1")).isInstanceOf(ClosedException.class);
  }
}
