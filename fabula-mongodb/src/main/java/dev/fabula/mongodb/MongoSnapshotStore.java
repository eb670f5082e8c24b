package dev.fabula.mongodb;

import com.mongodb.WriteConcern;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.SortOrder;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotDecodingException;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * The MongoDB {@link SnapshotStore}: one document per aggregate and version,
 * {@code {_id: "<name>\0<id>\0<version>", a: name, i: id (binary subtype 4), v: version, t: time
 * (int64 nanoseconds), r: state revision, s: state (the codec's JSON, as a string)}}.
 *
 * <p>The {@code _id} makes (name, id, version) unique, so a save is one upsert replacing the
 * document of that version. The state is kept as the codec's JSON text, as the event store keeps
 * payloads: exact (no number or key changes) and never read as field names. One index, {@code
 * {a: 1, i: 1, v: -1}}, serves {@code latest}, {@code version} and {@code limit}.
 *
 * <p>Saves use write concern majority, journaled. When the connection breaks during a save or a
 * delete, whether it happened is unknown ({@link MongoConnectionException}); both are idempotent,
 * so repeating them is harmless.
 */
final class MongoSnapshotStore implements SnapshotStore {
  static final String ID = "_id";
  static final String NAME = "a";
  static final String AGGREGATE_ID = "i";
  static final String VERSION = "v";
  static final String TIME = "t";
  static final String REVISION = "r";
  static final String STATE = "s";

  static final MongoIndexes.Spec AGGREGATE_INDEX = new MongoIndexes.Spec(
      "fabula_snapshot_aggregate",
      new BsonDocument(NAME, new BsonInt32(1)).append(AGGREGATE_ID, new BsonInt32(1)).append(VERSION, new BsonInt32(-1)),
      false);

  private final MongoCollection<BsonDocument> collection;
  private final Codec codec;
  private final MongoOptions options;
  private final String servers;
  private final String namespace;
  private final StoreLifecycle lifecycle = new StoreLifecycle("snapshot store");

  MongoSnapshotStore(MongoClient client, Codec codec, MongoOptions options) {
    this.codec = codec;
    this.options = options;
    this.servers = MongoErrors.servers(client);
    // Saves are acknowledged once journaled on a majority (as the event store's inserts), whatever
    // the client's own write concern; reads need no more than the client's read preference (a
    // snapshot only shortens a replay, and a stale one is still a correct starting point).
    this.collection = client.getDatabase(options.database())
        .getCollection(options.snapshotsCollection(), BsonDocument.class)
        .withWriteConcern(WriteConcern.MAJORITY.withJournal(true));
    this.namespace = options.database() + "." + options.snapshotsCollection();
    MongoIndexes.ensure(collection, List.of(AGGREGATE_INDEX), "snapshot store", options.indexPolicy(), servers);
  }

  /** The {@code _id} of a snapshot: names hold no NUL ({@link EventLimits}), so keys never collide. */
  private static String key(String name, UUID id, int version) {
    return name + "\0" + id + "\0" + version;
  }

  @Override
  public void save(Snapshot s) {
    Objects.requireNonNull(s, "snapshot");
    lifecycle.ensureOpen();
    EventLimits.checkSnapshotName(s.aggregateName());
    String name = CodecRegistry.snapshotName(s.aggregateName());
    byte[] state = codec.encode(name, s.state());
    EventLimits.checkJsonState(s.aggregateName(), s.aggregateId(), s.version(), state);
    String key = key(s.aggregateName(), s.aggregateId(), s.version());
    BsonDocument doc = new BsonDocument(ID, new BsonString(key))
        .append(NAME, new BsonString(s.aggregateName()))
        .append(AGGREGATE_ID, StoredFields.binary(s.aggregateId()))
        .append(VERSION, new BsonInt32(s.version()))
        .append(TIME, new BsonInt64(StoredFields.nanos(s.time(), "the snapshot of " + s.aggregateName() + " "
            + s.aggregateId() + " at version " + s.version())))
        .append(REVISION, new BsonInt32(codec.registry().revision(name)))
        .append(STATE, new BsonString(new String(state, StandardCharsets.UTF_8)));
    String doing = "saving the snapshot of " + s.aggregateName() + " " + s.aggregateId() + " at version " + s.version()
        + " in " + namespace;
    StoredDocuments.checkSize(
        "the snapshot of " + s.aggregateName() + " " + s.aggregateId() + " at version " + s.version(), state.length, doc);
    try {
      StoredDocuments.upsert(collection, doc);
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, doing, servers);
    }
  }

  @Override
  public Optional<Snapshot> latest(String aggregateName, UUID aggregateId) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    return limit(aggregateName, aggregateId, Integer.MAX_VALUE);
  }

  @Override
  public Optional<Snapshot> version(String aggregateName, UUID aggregateId, int version) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    return one(aggregateName, aggregateId, Filters.eq(VERSION, version));
  }

  @Override
  public Optional<Snapshot> limit(String aggregateName, UUID aggregateId, int maxVersion) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    return one(aggregateName, aggregateId, Filters.lte(VERSION, maxVersion));
  }

  private Optional<Snapshot> one(String name, UUID id, Bson version) {
    lifecycle.ensureOpen();
    EventLimits.checkText("aggregateName", name);
    Bson filter = Filters.and(Filters.eq(NAME, name), Filters.eq(AGGREGATE_ID, StoredFields.binary(id)), version);
    BsonDocument doc;
    try {
      doc = collection.find(filter).sort(Sorts.descending(VERSION)).limit(1).first();
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, "reading a snapshot of " + name + " " + id + " from " + namespace, servers);
    }
    return doc == null ? Optional.empty() : Optional.of(decode(doc));
  }

  private Snapshot decode(BsonDocument doc) {
    var f = new StoredFields(namespace, doc);
    String name = f.string(NAME);
    UUID id = f.uuid(AGGREGATE_ID);
    int version = f.int32(VERSION);
    long nanos = f.int64(TIME);
    int revision = f.int32(REVISION);
    String state = f.string(STATE);
    if (version < 1) {
      throw new MongoStoreException(
          "the document with _id " + f.id() + " in collection " + namespace + " has version " + version
              + ", but snapshot versions start at 1 (was it edited by hand?)", 0, null);
    }
    Object decoded;
    try {
      decoded = codec.decode(CodecRegistry.snapshotName(name), revision, state.getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new SnapshotDecodingException(name, id, version, e);
    }
    return new Snapshot(name, id, version, StoredFields.instant(nanos), decoded);
  }

  @Override
  public Stream<Snapshot> query(SnapshotQuery q) {
    Objects.requireNonNull(q, "query");
    lifecycle.ensureOpen();
    EventLimits.checkSnapshotQuery(q);
    List<Bson> filters = new ArrayList<>();
    if (!q.aggregateNames().isEmpty()) {
      filters.add(Filters.in(NAME, q.aggregateNames()));
    }
    if (!q.aggregateIds().isEmpty()) {
      filters.add(Filters.in(AGGREGATE_ID, q.aggregateIds().stream().map(StoredFields::binary).toList()));
    }
    if (!q.versions().isEmpty()) {
      filters.add(Filters.in(VERSION, q.versions()));
    }
    q.versionMin().ifPresent(v -> filters.add(Filters.gte(VERSION, v)));
    q.versionMax().ifPresent(v -> filters.add(Filters.lte(VERSION, v)));
    q.timeMin().ifPresent(t -> filters.add(Filters.gte(TIME, StoredFields.clampedNanos(t))));
    q.timeMax().ifPresent(t -> filters.add(Filters.lte(TIME, StoredFields.clampedNanos(t))));
    FindIterable<BsonDocument> find = collection
        .find(filters.isEmpty() ? new BsonDocument() : Filters.and(filters))
        .batchSize(options.batchSize());
    if (!q.sort().isEmpty()) {
      List<Bson> keys = new ArrayList<>();
      for (SortOrder o : q.sort()) {
        // Strings compare by their UTF-8 bytes without a collation, UUIDs (binary subtype 4) by
        // their bytes unsigned: the orders PostgreSQL gives with COLLATE "C" and uuid.
        String field = switch (o.field()) {
          case AGGREGATE_NAME -> NAME;
          case AGGREGATE_ID -> AGGREGATE_ID;
          case AGGREGATE_VERSION -> VERSION;
          case TIME -> TIME;
          case POSITION, NAME -> throw new IllegalStateException("unsortable " + o.field());
        };
        keys.add(o.descending() ? Sorts.descending(field) : Sorts.ascending(field));
      }
      find.sort(Sorts.orderBy(keys));
    }
    q.limit().ifPresent(find::limit);
    String doing = "querying snapshots in " + namespace;
    MongoCursor<BsonDocument> cursor;
    try {
      cursor = find.iterator();
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, doing, servers);
    }
    Iterator<Snapshot> snapshots = new Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return cursor.hasNext();
        } catch (RuntimeException e) {
          throw MongoErrors.translate(e, doing, servers);
        }
      }

      @Override
      public Snapshot next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        BsonDocument doc;
        try {
          doc = cursor.next();
        } catch (RuntimeException e) {
          throw MongoErrors.translate(e, doing, servers);
        }
        return decode(doc);
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(snapshots, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(cursor::close);
  }

  @Override
  public void delete(List<Snapshot> snapshots) {
    Arguments.requireNoNulls(snapshots, "snapshots");
    lifecycle.ensureOpen();
    if (snapshots.isEmpty()) {
      return;
    }
    List<BsonValue> keys = new ArrayList<>(snapshots.size());
    for (Snapshot s : snapshots) {
      keys.add(new BsonString(key(s.aggregateName(), s.aggregateId(), s.version())));
    }
    try {
      collection.deleteMany(Filters.in(ID, keys));
    } catch (RuntimeException e) {
      throw MongoErrors.translate(e, "deleting snapshots from " + namespace, servers);
    }
  }

  @Override
  public void close() {
    lifecycle.close();
  }

  @Override
  public String toString() {
    return "MongoSnapshotStore[" + namespace + "]";
  }
}
