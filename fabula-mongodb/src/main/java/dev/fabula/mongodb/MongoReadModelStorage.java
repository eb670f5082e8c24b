package dev.fabula.mongodb;

import com.mongodb.MongoException;
import com.mongodb.ReadConcern;
import com.mongodb.ReadPreference;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.fabula.codec.Codec;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.ReadModelStorage;
import dev.fabula.spi.StoredReadModels;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;

/**
 * Read models of one kind in a collection of their own (named by {@link ReadModelOptions#name()}),
 * one document per model: {@code {_id: id string, r: revision (int64), c: codec revision (int32),
 * d: the codec's JSON of the model, as a string}}.
 *
 * <p>The model is kept as the codec's JSON text, not converted to a BSON document: the text is
 * exact (a JSON number such as {@code 0.10} or {@code 12345678901234567890} has no BSON type that
 * gives back the same text, so a decimal or big-integer field could change), and the model's keys
 * never become field names (a map keyed by user text would put {@code $} and {@code .} into
 * field names). The price: the models cannot be queried field by field in MongoDB, which the
 * repository does not need (it reads and writes by id).
 *
 * <p>Each operation is one single-document write, atomic on any MongoDB: create is an insert that
 * the unique {@code _id} refuses when a model exists; replace matches {@code {_id, r: expected}}
 * so that it changes nothing when another writer came first.
 *
 * <p>Writes use write concern majority, journaled; reads go to the primary with read concern
 * majority. When the connection breaks during a write, whether it happened is unknown ({@link
 * MongoConnectionException}): a {@code use} that fails so may have stored its update.
 */
final class MongoReadModelStorage<M> implements ReadModelStorage<M> {
  static final String ID = "_id";
  static final String REVISION = "r";
  static final String CODEC_REVISION = "c";
  static final String DATA = "d";

  private final MongoCollection<BsonDocument> collection;
  private final Codec codec;
  private final ReadModelOptions<?, M> options;
  private final String servers;
  private final String namespace;

  MongoReadModelStorage(MongoClient client, Codec codec, ReadModelOptions<?, M> options, MongoOptions mongo) {
    MongoNames.requireCollection(options.name());
    for (String taken : new String[] {mongo.eventsCollection(), mongo.snapshotsCollection(), mongo.progressCollection()}) {
      if (taken.equals(options.name())) {
        throw new IllegalArgumentException(
            "the " + options.name() + " read models cannot be kept in collection " + options.name() + " of database "
                + mongo.database() + ": the MongoOptions give that collection to another store; rename the read"
                + " models or that collection");
      }
    }
    StoredReadModels.requireRegistered(codec, options);
    this.codec = codec;
    this.options = options;
    this.servers = MongoErrors.servers(client);
    // Writes are acknowledged once journaled on a majority, whatever the client's write concern;
    // reads go to the primary with read concern majority, since use's read decides its write (the
    // revision it replaces): a stale secondary would only make it retry, a read of a write that
    // is later rolled back would let it build on a model that is then gone.
    this.collection = client.getDatabase(mongo.database())
        .getCollection(options.name(), BsonDocument.class)
        .withWriteConcern(WriteConcern.MAJORITY.withJournal(true))
        .withReadPreference(ReadPreference.primary())
        .withReadConcern(ReadConcern.MAJORITY);
    this.namespace = mongo.database() + "." + options.name();
    // Only the _id index is needed, which every collection has.
  }

  @Override
  public Optional<Stored<M>> read(String key) {
    checkKey(key);
    BsonDocument doc;
    try {
      doc = collection.find(Filters.eq(ID, key)).first();
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, "reading the " + options.name() + " read model " + key + " from " + namespace, servers);
    }
    if (doc == null) {
      return Optional.empty();
    }
    var f = new StoredFields(namespace, doc);
    long revision = f.int64(REVISION);
    int codecRevision = f.int32(CODEC_REVISION);
    byte[] json = f.string(DATA).getBytes(StandardCharsets.UTF_8);
    return Optional.of(new Stored<>(StoredReadModels.decode(codec, options, key, codecRevision, json), revision));
  }

  @Override
  public boolean create(String key, M model, long revision) {
    BsonDocument doc = document(key, model, revision);
    try {
      collection.insertOne(doc);
      return true;
    } catch (MongoException e) {
      if (MongoErrors.duplicateKey(e)) {
        return false;
      }
      throw MongoErrors.translate(e, doing("creating", key), servers);
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, doing("creating", key), servers);
    }
  }

  @Override
  public boolean replace(String key, M model, long expected, long revision) {
    BsonDocument doc = document(key, model, revision);
    try {
      return collection.replaceOne(Filters.and(Filters.eq(ID, key), Filters.eq(REVISION, expected)), doc)
          .getMatchedCount() == 1;
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, doing("replacing", key), servers);
    }
  }

  @Override
  public void put(String key, M model, long revision) {
    BsonDocument doc = document(key, model, revision);
    try {
      StoredDocuments.upsert(collection, doc);
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, doing("saving", key), servers);
    }
  }

  @Override
  public boolean remove(String key) {
    checkKey(key);
    try {
      return collection.deleteOne(Filters.eq(ID, key)).getDeletedCount() == 1;
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, doing("deleting", key), servers);
    }
  }

  private BsonDocument document(String key, M model, long revision) {
    checkKey(key);
    byte[] json = StoredReadModels.encode(codec, options, key, model);
    BsonDocument doc = new BsonDocument(ID, new BsonString(key))
        .append(REVISION, new BsonInt64(revision))
        .append(CODEC_REVISION, new BsonInt32(codec.registry().revision(options.name())))
        .append(DATA, new BsonString(new String(json, StandardCharsets.UTF_8)));
    StoredDocuments.checkSize("the " + options.name() + " read model " + key, json.length, doc);
    return doc;
  }

  /** Ids are kept as they are; only NUL, which no Fabula store keeps in text, is refused. */
  private void checkKey(String key) {
    EventLimits.checkText("the id of a " + options.name() + " read model", key);
  }

  private String doing(String verb, String key) {
    return verb + " the " + options.name() + " read model " + key + " in " + namespace;
  }

  @Override
  public String toString() {
    return "MongoDB collection " + namespace;
  }
}
