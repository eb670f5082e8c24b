package dev.fabula.mongodb;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/**
 * The indexes of the events collection (ADR 0019), created on first use under {@link
 * MongoOptions.IndexPolicy#CREATE} and checked under both policies: an index missing (VALIDATE) or
 * present with other keys or options fails as a {@link MongoSchemaException} with the command to
 * run.
 */
final class EventIndexes {
  /** An index Fabula needs: its name, keys and whether it is unique and sparse. */
  record Spec(String name, BsonDocument keys, boolean unique, boolean sparse) {
    String command(String collection) {
      return "db.getCollection(\"" + collection + "\").createIndex(" + keys.toJson() + ", {name: \"" + name + "\""
          + (unique ? ", unique: true" : "") + (sparse ? ", sparse: true" : "") + "})";
    }
  }

  /** Event ids are unique: sparse, since void documents hold no event id. */
  static final String EVENT_ID = "fabula_event_id";
  /** An aggregate's versions are unique; serves contiguity checks and aggregate reads. */
  static final String AGGREGATE_VERSION = "fabula_aggregate_version";
  /** Event names in position order: what projections ask for. */
  static final String NAME_POSITION = "fabula_name_position";

  static final List<Spec> SPECS = List.of(
      new Spec(EVENT_ID, new BsonDocument(EventLayout.IDS, new BsonInt32(1)), true, true),
      new Spec(AGGREGATE_VERSION, new BsonDocument(EventLayout.KEYS, new BsonInt32(1)), true, true),
      new Spec(NAME_POSITION,
          new BsonDocument(EventLayout.EVENT_NAMES, new BsonInt32(1)).append(EventLayout.SEQ, new BsonInt32(1)),
          false, false));

  /** Index name to its first key field, for {@link MongoErrors#duplicateKeyField}. */
  static final Map<String, String> FIELDS = Map.of(
      EVENT_ID, EventLayout.IDS, AGGREGATE_VERSION, EventLayout.KEYS, NAME_POSITION, EventLayout.EVENT_NAMES);

  private EventIndexes() {}

  /**
   * Creates (CREATE) or only checks (VALIDATE) the indexes of {@code collection}.
   *
   * @throws MongoSchemaException when an index is missing under VALIDATE, or exists with other
   *     keys or options
   */
  static void ensure(MongoCollection<BsonDocument> collection, MongoOptions.IndexPolicy policy, String servers) {
    String name = collection.getNamespace().getCollectionName();
    Map<String, BsonDocument> existing = new LinkedHashMap<>();
    try {
      for (BsonDocument index : collection.listIndexes(BsonDocument.class)) {
        BsonValue n = index.get("name");
        if (n != null && n.isString()) {
          existing.put(n.asString().getValue(), index);
        }
      }
    } catch (MongoException e) {
      throw MongoErrors.translate(e, "listing the indexes of " + name, servers);
    }
    List<Spec> missing = new ArrayList<>();
    for (Spec spec : SPECS) {
      BsonDocument found = existing.get(spec.name());
      if (found == null) {
        found = byKeys(existing, spec.keys());
      }
      if (found == null) {
        missing.add(spec);
        continue;
      }
      check(name, spec, found);
    }
    if (missing.isEmpty()) {
      return;
    }
    if (policy == MongoOptions.IndexPolicy.VALIDATE) {
      StringBuilder commands = new StringBuilder();
      for (Spec spec : missing) {
        commands.append("\n  ").append(spec.command(name));
      }
      throw new MongoSchemaException(
          "collection " + collection.getNamespace() + " lacks the index(es) the event store needs, and the index "
              + "policy is VALIDATE (nothing is created); create them with:" + commands);
    }
    for (Spec spec : missing) {
      try {
        collection.createIndex(spec.keys(), new IndexOptions().name(spec.name()).unique(spec.unique()).sparse(spec.sparse()));
      } catch (MongoException e) {
        if (MongoErrors.connection(e)) {
          throw MongoErrors.translate(e, "creating index " + spec.name() + " on " + collection.getNamespace(), servers);
        }
        throw new MongoSchemaException(
            "could not create index " + spec.name() + " on " + collection.getNamespace() + " (MongoDB at " + servers
                + "): " + e.getMessage() + "; create it with: " + spec.command(name));
      }
    }
  }

  private static BsonDocument byKeys(Map<String, BsonDocument> existing, BsonDocument keys) {
    for (BsonDocument index : existing.values()) {
      if (keys.equals(normalized(index.get("key")))) {
        return index;
      }
    }
    return null;
  }

  /** Keys as int32 1/-1, whatever number type the server reports them with. */
  private static BsonDocument normalized(BsonValue key) {
    BsonDocument result = new BsonDocument();
    if (key == null || !key.isDocument()) {
      return result;
    }
    for (Map.Entry<String, BsonValue> e : key.asDocument().entrySet()) {
      BsonValue v = e.getValue();
      result.put(e.getKey(), v.isNumber() ? new BsonInt32(v.asNumber().intValue()) : v);
    }
    return result;
  }

  private static void check(String collection, Spec spec, BsonDocument found) {
    BsonDocument keys = normalized(found.get("key"));
    boolean unique = flag(found, "unique");
    boolean sparse = flag(found, "sparse");
    if (!keys.equals(spec.keys()) || unique != spec.unique() || sparse != spec.sparse()) {
      String foundName = found.get("name") == null ? "?" : found.get("name").toString();
      throw new MongoSchemaException(
          "collection " + collection + " has index " + foundName + " with keys " + keys.toJson() + ", unique "
              + unique + ", sparse " + sparse + ", but the event store needs keys " + spec.keys().toJson()
              + ", unique " + spec.unique() + ", sparse " + spec.sparse()
              + "; drop it and run: " + spec.command(collection));
    }
  }

  private static boolean flag(BsonDocument index, String field) {
    BsonValue v = index.get(field);
    if (v == null) {
      return false;
    }
    if (v.isBoolean()) {
      return v.asBoolean().getValue();
    }
    return v.isNumber() && v.asNumber().intValue() != 0;
  }
}
