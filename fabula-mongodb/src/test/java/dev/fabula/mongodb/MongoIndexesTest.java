package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/**
 * The one index check of every store, on index descriptions written as a real server's {@code
 * listIndexes} returns them (partial filters and collations are a real server's features, which
 * the in-process server used by the tests need not reproduce).
 */
class MongoIndexesTest {
  private static final MongoIndexes.Spec UNIQUE_K =
      new MongoIndexes.Spec("fabula_aggregate_version", new BsonDocument("k", new BsonInt32(1)), true, true);

  private static BsonDocument index(String name, BsonDocument keys) {
    return new BsonDocument("v", new BsonInt32(2)).append("key", keys).append("name", new BsonString(name));
  }

  private static BsonDocument uniqueSparseK() {
    return index("fabula_aggregate_version", new BsonDocument("k", new BsonDouble(1.0)))
        .append("unique", BsonBoolean.TRUE)
        .append("sparse", BsonBoolean.TRUE);
  }

  private static void check(BsonDocument found) {
    MongoIndexes.check("db.fabula_events", "fabula_events", "event store", UNIQUE_K, found);
  }

  @Test
  void theIndexAsSpecifiedPassesWhateverNumberTypeItsKeysAreReportedIn() {
    assertThatCode(() -> check(uniqueSparseK())).doesNotThrowAnyException();
    assertThatCode(() -> check(uniqueSparseK().append("collation", new BsonDocument("locale", new BsonString("simple")))))
        .doesNotThrowAnyException();
  }

  @Test
  void aCaseInsensitiveCollationIsRefusedNamingIt() {
    // With strength 2, aggregates "Order" and "order" would collide in this unique index.
    BsonDocument found = uniqueSparseK().append("collation",
        new BsonDocument("locale", new BsonString("en")).append("strength", new BsonInt32(2)));
    assertThatThrownBy(() -> check(found))
        .isInstanceOf(MongoSchemaException.class)
        .hasMessageContaining("fabula_aggregate_version")
        .hasMessageContaining("collation {\"locale\": \"en\", \"strength\": 2}")
        .hasMessageContaining("simple (binary) collation")
        .hasMessageContaining("createIndex({\"k\": 1}, {name: \"fabula_aggregate_version\", unique: true, sparse: true})");
  }

  @Test
  void aPartialIndexIsRefusedNamingItsFilter() {
    BsonDocument found = uniqueSparseK().append("partialFilterExpression",
        new BsonDocument("k", new BsonDocument("$exists", BsonBoolean.TRUE)));
    assertThatThrownBy(() -> check(found))
        .isInstanceOf(MongoSchemaException.class)
        .hasMessageContaining("partialFilterExpression {\"k\": {\"$exists\": true}}")
        .hasMessageContaining("drop it and run");
  }

  @Test
  void otherSparsenessUniquenessOrKeysAreRefused() {
    BsonDocument notSparse = index("fabula_aggregate_version", new BsonDocument("k", new BsonInt32(1)))
        .append("unique", BsonBoolean.TRUE);
    assertThatThrownBy(() -> check(notSparse)).isInstanceOf(MongoSchemaException.class).hasMessageContaining("sparse false");
    BsonDocument notUnique = index("fabula_aggregate_version", new BsonDocument("k", new BsonInt32(1)))
        .append("sparse", BsonBoolean.TRUE);
    assertThatThrownBy(() -> check(notUnique)).isInstanceOf(MongoSchemaException.class).hasMessageContaining("unique false");
    BsonDocument otherKeys = uniqueSparseK().append("key", new BsonDocument("k", new BsonInt32(-1)));
    assertThatThrownBy(() -> check(otherKeys)).isInstanceOf(MongoSchemaException.class).hasMessageContaining("{\"k\": -1}");
  }
}
