package dev.fabula.mongodb;

import com.mongodb.MongoException;
import com.mongodb.ReadConcern;
import com.mongodb.ReadPreference;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;
import dev.fabula.projection.ProgressStore;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import org.bson.BsonDocument;

/**
 * The MongoDB {@link ProgressStore}: one document per projection, {@code {_id: projection, p:
 * position (int64)}}; no document is position 0.
 *
 * <p>{@code advance} is one conditional single-document write, so it is a compare-and-set on any
 * MongoDB, a standalone server included: MongoDB applies a write to one document atomically, the
 * filter's match and the update together (the server holds the document while it checks the
 * filter and writes), and the unique {@code _id} index lets at most one insert of a projection's
 * document succeed. From a stored position: {@code updateOne({_id, p: expected}, {$set: {p}})},
 * which changes the document only if it still holds {@code expected}. From 0 (no document, or
 * {@code p: 0}): the same with {@code upsert}; if another runner stored a position first, the
 * filter does not match, the upsert tries to insert a second document with the same {@code _id}
 * and the unique index refuses it (a duplicate key): that runner won, this one did not advance.
 *
 * <p>Writes use write concern majority, journaled; reads go to the primary with read concern
 * majority. When the connection breaks during {@code advance} or {@code reset}, whether it
 * happened is unknown ({@link MongoConnectionException}): read the position again before the next
 * advance (an advance that did happen makes a repeat of it return false).
 */
final class MongoProgressStore implements ProgressStore {
  static final String ID = "_id";
  static final String POSITION = "p";

  private final MongoCollection<BsonDocument> collection;
  private final String servers;
  private final String namespace;
  private final StoreLifecycle lifecycle = new StoreLifecycle("progress store");

  MongoProgressStore(MongoClient client, MongoOptions options) {
    this.servers = MongoErrors.servers(client);
    // Writes are acknowledged once journaled on a majority, whatever the client's write concern;
    // reads go to the primary with read concern majority, since a runner passes the position it
    // read to advance as the expected one.
    this.collection = client.getDatabase(options.database())
        .getCollection(options.progressCollection(), BsonDocument.class)
        .withWriteConcern(WriteConcern.MAJORITY.withJournal(true))
        .withReadPreference(ReadPreference.primary())
        .withReadConcern(ReadConcern.MAJORITY);
    this.namespace = options.database() + "." + options.progressCollection();
    // Only the _id index is needed, which every collection has.
  }

  @Override
  public long position(String projection) {
    lifecycle.ensureOpen();
    ProgressStore.checkName(projection);
    BsonDocument doc;
    try {
      doc = collection.find(Filters.eq(ID, projection)).first();
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, "reading the progress of " + projection + " in " + namespace, servers);
    }
    if (doc == null) {
      return 0;
    }
    long position = new StoredFields(namespace, doc).int64(POSITION);
    if (position < 0) {
      throw new MongoStoreException(
          "the progress of " + projection + " in " + namespace + " is " + position
              + ", but positions are never negative (was it edited by hand?)", 0, null);
    }
    return position;
  }

  @Override
  public SortedMap<String, Long> positions() {
    lifecycle.ensureOpen();
    var positions = new TreeMap<String, Long>();
    try (MongoCursor<BsonDocument> docs = collection.find().iterator()) {
      while (docs.hasNext()) {
        BsonDocument doc = docs.next();
        var fields = new StoredFields(namespace, doc);
        positions.put(fields.string(ID), fields.int64(POSITION));
      }
    } catch (MongoStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, "listing the projections' progress in " + namespace, servers);
    }
    return Collections.unmodifiableSortedMap(positions);
  }

  @Override
  public boolean advance(String projection, long expected, long position) {
    lifecycle.ensureOpen();
    ProgressStore.checkAdvance(projection, expected, position);
    String doing = "advancing the progress of " + projection + " in " + namespace;
    try {
      UpdateResult result = collection.updateOne(
          Filters.and(Filters.eq(ID, projection), Filters.eq(POSITION, expected)),
          Updates.set(POSITION, position),
          new UpdateOptions().upsert(expected == 0));
      return result.getMatchedCount() == 1 || result.getUpsertedId() != null;
    } catch (MongoException e) {
      if (expected == 0 && MongoErrors.duplicateKey(e)) {
        return false; // another runner's position is stored: see the class comment
      }
      throw MongoErrors.translate(e, doing, servers);
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, doing, servers);
    }
  }

  @Override
  public void reset(String projection) {
    lifecycle.ensureOpen();
    ProgressStore.checkName(projection);
    try {
      collection.deleteOne(Filters.eq(ID, projection));
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, "resetting the progress of " + projection + " in " + namespace, servers);
    }
  }

  @Override
  public void close() {
    lifecycle.close();
  }

  @Override
  public String toString() {
    return "MongoProgressStore[" + namespace + "]";
  }
}
