package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.fabula.ClosedException;
import dev.fabula.projection.ProgressStore;
import dev.fabula.tck.projection.ProgressStoreConformance;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** The kit's progress store suite, each test in a database of its own, and MongoDB's own cases. */
class MongoProgressStoreTest extends ProgressStoreConformance {
  private MongoOptions options = TestMongo.freshOptions().build();

  @Override
  protected ProgressStore newStore() {
    options = TestMongo.freshOptions().build();
    return MongoDb.progressStore(TestMongo.client(), options);
  }

  private MongoCollection<BsonDocument> raw() {
    return TestMongo.client().getDatabase(options.database()).getCollection(options.progressCollection(), BsonDocument.class);
  }

  @Test
  void storesOneDocumentPerProjection() {
    store().advance("catalog", 0, 41);
    assertThat(raw().find().into(new java.util.ArrayList<>()))
        .containsExactly(new BsonDocument("_id", new BsonString("catalog")).append("p", new BsonInt64(41)));
  }

  @Test
  void namesThatMeanSomethingToMongoDbAreKeptVerbatim() {
    List<String> names = List.of("$gt", "a.b", "{\"$ne\": null}", "it's");
    long p = 1;
    for (String n : names) {
      assertThat(store().advance(n, 0, p++)).isTrue();
    }
    p = 1;
    for (String n : names) {
      assertThat(store().position(n)).isEqualTo(p++);
    }
    store().reset("$gt");
    assertThat(store().position("$gt")).isZero();
    assertThat(store().position("a.b")).isEqualTo(2);
  }

  @Test
  void aProjectionNameWithANulCharacterIsRefused() {
    assertThatThrownBy(() -> store().advance("cata\0log", 0, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
  }

  @Test
  void aDocumentEditedIntoAnotherShapeIsAnErrorNamingIt() {
    store().advance("catalog", 0, 3);
    raw().updateOne(Filters.eq("_id", "catalog"), Updates.set("p", new BsonString("three")));
    assertThatThrownBy(() -> store().position("catalog"))
        .isInstanceOf(MongoStoreException.class)
        .hasMessageContaining(options.database() + "." + options.progressCollection())
        .hasMessageContaining("\"catalog\"")
        .hasMessageContaining("field p must be an int64");
    raw().updateOne(Filters.eq("_id", "catalog"), Updates.set("p", new BsonInt64(-4)));
    assertThatThrownBy(() -> store().position("catalog"))
        .isInstanceOf(MongoStoreException.class)
        .hasMessageContaining("-4");
  }

  @Test
  void aStoredZeroIsAdvancedFromZero() {
    raw().insertOne(new BsonDocument("_id", new BsonString("catalog")).append("p", new BsonInt64(0)));
    assertThat(store().advance("catalog", 0, 2)).isTrue();
    assertThat(store().position("catalog")).isEqualTo(2);
  }

  @Test
  void aClosedClientIsAClosedException() {
    MongoClient client = MongoDb.client(TestMongo.url());
    ProgressStore s = MongoDb.progressStore(client, TestMongo.freshOptions().build());
    client.close();
    assertThatThrownBy(() -> s.advance("catalog", 0, 1)).isInstanceOf(ClosedException.class);
  }
}
