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
import org.jspecify.annotations.Nullable;

/**
 * The indexes a store needs on its collection, for every store (events, snapshots): created when
 * missing under {@link MongoOptions.IndexPolicy#CREATE}, required under {@link
 * MongoOptions.IndexPolicy#VALIDATE}, and checked in both cases when present: same keys, same
 * uniqueness, same sparseness, no {@code partialFilterExpression} and the simple (binary)
 * collation. An index with other options would let the store break its promises (a partial or
 * case-insensitive unique index lets duplicates in, or makes "Order" and "order" collide) or its
 * queries go slow.
 */
final class MongoIndexes {
  /** One index: its name, keys (1 or -1 each), whether it is unique and whether it is sparse. */
  record Spec(String name, BsonDocument keys, boolean unique, boolean sparse) {
    /** An index that is not sparse. */
    Spec(String name, BsonDocument keys, boolean unique) {
      this(name, keys, unique, false);
    }

    /** The mongosh command creating it on {@code collection}, for messages. */
    String command(String collection) {
      return "db.getCollection(\"" + collection + "\").createIndex(" + keys.toJson() + ", {name: \"" + name + "\""
          + (unique ? ", unique: true" : "") + (sparse ? ", sparse: true" : "") + "})";
    }
  }

  private MongoIndexes() {}

  /**
   * Makes sure {@code collection} has {@code specs}, for {@code store} (named in messages).
   *
   * @throws MongoSchemaException when an index is missing under VALIDATE, cannot be created, or
   *     exists with other keys or options; the message gives the command to run
   */
  static void ensure(
      MongoCollection<BsonDocument> collection, List<Spec> specs, String store, MongoOptions.IndexPolicy policy,
      String servers) {
    String name = collection.getNamespace().getCollectionName();
    Map<String, BsonDocument> existing = new LinkedHashMap<>();
    try {
      for (BsonDocument index : collection.listIndexes(BsonDocument.class)) {
        BsonValue n = index.get("name");
        if (n != null && n.isString()) {
          existing.put(n.asString().getValue(), index);
        }
      }
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, "listing the indexes of " + collection.getNamespace(), servers);
    }
    List<Spec> missing = new ArrayList<>();
    for (Spec spec : specs) {
      BsonDocument found = existing.get(spec.name());
      if (found == null) {
        found = withKeys(existing, spec.keys());
      }
      if (found == null) {
        missing.add(spec);
      } else {
        check(collection.getNamespace().getFullName(), name, store, spec, found);
      }
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
          "collection " + collection.getNamespace() + " lacks the index(es) the " + store + " needs, and the index"
              + " policy is VALIDATE (nothing is created); create them with:" + commands);
    }
    for (Spec spec : missing) {
      try {
        collection.createIndex(
            spec.keys(), new IndexOptions().name(spec.name()).unique(spec.unique()).sparse(spec.sparse()));
      } catch (MongoException e) {
        if (MongoErrors.connection(e)) {
          throw MongoErrors.translate(e, "creating index " + spec.name() + " on " + collection.getNamespace(), servers);
        }
        throw new MongoSchemaException(
            "could not create index " + spec.name() + " on " + collection.getNamespace() + " (MongoDB at " + servers
                + "): " + e.getMessage() + "; create it with: " + spec.command(name));
      } catch (RuntimeException e) {
        throw MongoErrors.translate(e, "creating index " + spec.name() + " on " + collection.getNamespace(), servers);
      }
    }
  }

  private static @Nullable BsonDocument withKeys(Map<String, BsonDocument> existing, BsonDocument keys) {
    for (BsonDocument index : existing.values()) {
      if (keys.equals(normalized(index.get("key")))) {
        return index;
      }
    }
    return null;
  }

  /** Keys as int32 1 or -1, whichever number type the server reports them in. */
  private static BsonDocument normalized(@Nullable BsonValue key) {
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

  /**
   * Checks that the existing index {@code found} is {@code spec}.
   *
   * @throws MongoSchemaException naming the index, what differs, and the command to run instead
   */
  static void check(String namespace, String collection, String store, Spec spec, BsonDocument found) {
    BsonDocument keys = normalized(found.get("key"));
    boolean unique = flag(found, "unique");
    boolean sparse = flag(found, "sparse");
    BsonValue partial = found.get("partialFilterExpression");
    BsonValue collation = found.get("collation");
    boolean simpleCollation = collation == null || simple(collation);
    if (!keys.equals(spec.keys()) || unique != spec.unique() || sparse != spec.sparse() || partial != null
        || !simpleCollation) {
      BsonValue foundName = found.get("name");
      throw new MongoSchemaException(
          "collection " + namespace + " has index " + (foundName == null ? "?" : foundName.toString()) + " with keys "
              + keys.toJson() + ", unique " + unique + ", sparse " + sparse
              + (partial == null ? ", not partial" : ", partialFilterExpression " + json(partial))
              + (simpleCollation ? "" : ", collation " + json(collation)) + ", but the " + store + " needs keys "
              + spec.keys().toJson() + ", unique " + spec.unique() + ", sparse " + spec.sparse()
              + ", not partial, with the simple (binary) collation; drop it and run: " + spec.command(collection));
    }
  }

  /** Whether an index's collation compares by code points: {@code {locale: "simple"}}. */
  private static boolean simple(BsonValue collation) {
    if (!collation.isDocument()) {
      return false;
    }
    BsonValue locale = collation.asDocument().get("locale");
    return locale != null && locale.isString() && locale.asString().getValue().equals("simple");
  }

  private static String json(@Nullable BsonValue v) {
    if (v == null) {
      return "null";
    }
    return v.isDocument() ? v.asDocument().toJson() : v.toString();
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
