package dev.fabula.mongodb;

import com.mongodb.client.MongoCollection;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt32;

/**
 * The indexes of the events collection (ADR 0019), created on first use under {@link
 * MongoOptions.IndexPolicy#CREATE} and checked under both policies by {@link MongoIndexes}: an
 * index missing (VALIDATE) or present with other keys or options fails as a {@link
 * MongoSchemaException} with the command to run.
 */
final class EventIndexes {
  /** Event ids are unique: sparse, since void documents hold no event id. */
  static final String EVENT_ID = "fabula_event_id";
  /** An aggregate's versions are unique; serves contiguity checks and aggregate reads. */
  static final String AGGREGATE_VERSION = "fabula_aggregate_version";
  /** Event names in position order: what projections ask for. */
  static final String NAME_POSITION = "fabula_name_position";

  static final List<MongoIndexes.Spec> SPECS = List.of(
      new MongoIndexes.Spec(EVENT_ID, new BsonDocument(EventLayout.IDS, new BsonInt32(1)), true, true),
      new MongoIndexes.Spec(AGGREGATE_VERSION, new BsonDocument(EventLayout.KEYS, new BsonInt32(1)), true, true),
      new MongoIndexes.Spec(NAME_POSITION,
          new BsonDocument(EventLayout.EVENT_NAMES, new BsonInt32(1)).append(EventLayout.SEQ, new BsonInt32(1)),
          false, false));

  /** Index name to its first key field, for {@link MongoErrors#duplicateKeyField}. */
  static final Map<String, String> FIELDS = Map.of(
      EVENT_ID, EventLayout.IDS, AGGREGATE_VERSION, EventLayout.KEYS, NAME_POSITION, EventLayout.EVENT_NAMES);

  private EventIndexes() {}

  /**
   * Creates (CREATE) or only checks (VALIDATE) the indexes of {@code collection}, as {@link
   * MongoIndexes} does for every store.
   *
   * @throws MongoSchemaException when an index is missing under VALIDATE, or exists with other
   *     keys or options
   */
  static void ensure(MongoCollection<BsonDocument> collection, MongoOptions.IndexPolicy policy, String servers) {
    MongoIndexes.ensure(collection, SPECS, "event store", policy, servers);
  }
}
