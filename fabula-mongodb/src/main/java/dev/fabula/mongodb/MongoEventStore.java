package dev.fabula.mongodb;

import com.mongodb.ClientSessionOptions;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoInterruptedException;
import com.mongodb.MongoWriteConcernException;
import com.mongodb.ReadConcern;
import com.mongodb.WriteConcern;
import com.mongodb.WriteError;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.connection.ClusterType;
import dev.fabula.ClosedException;
import dev.fabula.TransientException;
import dev.fabula.codec.Codec;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.OutcomeUnknownException;
import dev.fabula.event.Subscription;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.BatchValidator;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.EventUpcasting;
import dev.fabula.spi.InsertListeners;
import dev.fabula.spi.QueryPlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.jspecify.annotations.Nullable;

/**
 * The MongoDB {@link EventStore}: one document per batch, positions from a sequence number that
 * the server's unique {@code _id} guards, and store-following reads bounded by the gap-safe
 * {@link Horizon}. See {@code docs/adr/0019-mongodb-layout-and-gap-safe-positions.md}.
 */
final class MongoEventStore implements EventStore, InsertNotifying {
  /** How often an insert retries at a new sequence number after another writer took its number. */
  static final int SEQ_ATTEMPTS = 100;

  /** What tests may do between the moment an insert took its sequence number and its write. */
  interface BeforeInsert extends LongConsumer {
    BeforeInsert NONE = seq -> {};
  }

  private final InsertListeners insertListeners = new InsertListeners();
  private final Codec codec;
  private final MongoOptions options;
  private final String servers;
  private final String name;
  /** Writes and voids: majority, journaled (accepted and ignored by the in-process server). */
  private final MongoCollection<BsonDocument> writes;
  /** Store-following reads: majority read concern on a replica set. */
  private final MongoCollection<BsonDocument> follows;
  /** Reads of given events and aggregates: the default read concern, so a writer sees its writes. */
  private final MongoCollection<BsonDocument> reads;
  private final EventDocuments documents;
  private final Horizon horizon;
  private final BeforeInsert beforeInsert;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReentrantLock setUp = new ReentrantLock();
  private volatile boolean ready;
  private final AtomicLong seq = new AtomicLong();
  private volatile boolean seeded;
  private final MongoClient client;
  /** Whether the servers support sessions: null until first asked. */
  private volatile @Nullable Boolean sessions;

  MongoEventStore(MongoClient client, Codec codec, MongoOptions options) {
    this(client, codec, options, BeforeInsert.NONE, System::nanoTime);
  }

  /**
   * A store whose inserts call {@code beforeInsert} with their sequence number before they write,
   * and whose horizon measures how long a hole is open with {@code clock} (nanoseconds): tests
   * hold writers and move time without waiting.
   */
  MongoEventStore(MongoClient client, Codec codec, MongoOptions options, BeforeInsert beforeInsert, LongSupplier clock) {
    this.client = client;
    this.codec = codec;
    this.options = options;
    this.beforeInsert = beforeInsert;
    this.servers = MongoErrors.servers(client);
    this.name = options.database() + "." + options.eventsCollection();
    MongoCollection<BsonDocument> base =
        client.getDatabase(options.database()).getCollection(options.eventsCollection(), BsonDocument.class);
    this.writes = base.withWriteConcern(WriteConcern.MAJORITY.withJournal(true));
    this.follows = base.withReadConcern(ReadConcern.MAJORITY);
    this.reads = base;
    this.documents = new EventDocuments(codec, name);
    this.horizon = new Horizon(writes.withReadConcern(ReadConcern.MAJORITY), options.gapTimeout(), servers, clock);
  }

  // ------------------------------------------------------------------ insert

  @Override
  public List<Event<?>> insert(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return List.of();
    }
    if (events.size() > EventLayout.EVENTS_PER_BATCH) {
      throw new InvalidBatchException(
          "a batch holds at most " + EventLayout.EVENTS_PER_BATCH + " events on MongoDB, this one " + events.size()
              + "; split it (each part is atomic on its own)");
    }
    EventLimits.checkEvents(events);
    List<BatchValidator.Span> spans = BatchValidator.validate(events);
    EventLayout.Batch batch = EventLayout.encode(events, codec);
    EventLayout.checkSize(batch, events); // refused when too large, before anything is written
    ensureReady();
    List<Event<?>> stored;
    try {
      stored = write(events, spans, batch);
    } catch (MongoException e) {
      throw MongoErrors.translate(e, "inserting " + events.size() + " events into " + name, servers);
    } catch (IllegalStateException e) {
      if (MongoErrors.closedClient(e)) {
        throw MongoErrors.translate(e, "inserting " + events.size() + " events into " + name, servers);
      }
      throw e;
    }
    insertListeners.fire(EventUpcasting.forListeners(codec, stored));
    return stored;
  }

  private List<Event<?>> write(List<? extends Event<?>> events, List<BatchValidator.Span> spans, EventLayout.Batch batch) {
    long floor = 0;
    try {
      for (BatchValidator.Span s : spans) {
        floor = Math.max(floor, follows(s));
      }
    } catch (MongoException e) {
      throw MongoErrors.translate(e, "checking the stored versions in " + name, servers);
    }
    for (int attempt = 1; attempt <= SEQ_ATTEMPTS; attempt++) {
      long at = nextSeq(floor);
      beforeInsert.accept(at);
      BsonDocument doc = EventLayout.document(at, batch);
      try {
        writes.insertOne(doc);
        return positioned(events, at);
      } catch (MongoException e) {
        WriteError error = MongoErrors.writeError(e);
        String field = error == null ? null : MongoErrors.duplicateKeyField(error, EventIndexes.FIELDS);
        if (EventLayout.SEQ.equals(field)) {
          reseed(); // another writer (or a reader's void) holds this number: take a new one
          continue;
        }
        if (error == null) {
          if (MongoErrors.neverSent(e)) {
            // Nothing reached the server: give the number back if no later insert of this store
            // took one; else a reader's gap timeout closes it.
            seq.compareAndSet(at, at - 1);
            throw MongoErrors.translate(e, "inserting " + events.size() + " events into " + name, servers);
          }
          // No definite answer from the server (a broken connection, a write concern error after
          // the primary applied it, an interrupt, a timeout after sending): learn the outcome.
          return outcomeAfter(events, at, e);
        }
        fillQuietly(at); // readers need not wait for a number that will hold nothing
        if (field != null) {
          throw conflict(field, events, spans, e);
        }
        throw MongoErrors.translate(e, "inserting " + events.size() + " events into " + name, servers);
      }
    }
    throw new TransientException(
        "inserting " + events.size() + " events into " + name + ": " + SEQ_ATTEMPTS
            + " sequence numbers in a row were taken by other writers or closed by readers; try again");
  }

  /**
   * Checks, in one lookup, that span {@code s} continues its aggregate's stored stream, and
   * returns the sequence number its batch must be stored above (0 for a new aggregate).
   *
   * <p>The lookup reads the aggregate's documents from the one holding version {@code first - 1}
   * up, latest first, and takes the latest. Within one aggregate sequence numbers rise with
   * versions (a continuing batch is stored above its predecessor), so that document holds the
   * aggregate's highest stored version {@code v}: {@code v >= first} is a conflict (the span's
   * versions are taken, or a deleted version would be inserted again below a stored one, which would
   * break version order; the memory store refuses it too); otherwise {@code v == first - 1}, and the
   * batch goes above that document. No document: a new aggregate when {@code first == 1}, else a
   * gap.
   *
   * @throws ConcurrencyException when the aggregate holds version {@code first} or later
   * @throws InvalidBatchException when the version before the span is not stored
   */
  private long follows(BatchValidator.Span s) {
    String prefix = EventLayout.prefix(s.name(), s.id());
    String from = EventLayout.key(s.name(), s.id(), Math.max(1, s.firstVersion() - 1));
    BsonDocument latest = reads.find(EventLayout.keyRange(from, prefix + "9999999999"))
        .projection(Projections.include(EventLayout.SEQ, EventLayout.KEYS))
        .sort(Sorts.descending(EventLayout.SEQ))
        .first();
    if (latest == null) {
      if (s.firstVersion() == 1) {
        return 0;
      }
      int stored = storedVersion(s.name(), s.id());
      throw new InvalidBatchException(
          "the batch's first event of " + s.name() + " " + s.id() + " has version " + s.firstVersion()
              + ", but the stored stream ends at version " + stored + "; versions must be contiguous");
    }
    int highest = highestVersion(latest, prefix);
    if (highest >= s.firstVersion()) {
      throw new ConcurrencyException(s.name(), s.id(), s.firstVersion() - 1, highest);
    }
    return documents.seq(latest);
  }

  /** The highest version of the aggregate with key {@code prefix} that {@code doc} holds, 0 when none. */
  private int highestVersion(BsonDocument doc, String prefix) {
    int max = 0;
    BsonValue keys = doc.get(EventLayout.KEYS);
    if (keys != null && keys.isArray()) {
      for (BsonValue k : keys.asArray()) {
        if (k.isString() && k.asString().getValue().startsWith(prefix)) {
          max = Math.max(max, documents.versionOf(doc, k.asString().getValue()));
        }
      }
    }
    return max;
  }

  /** The highest stored version of an aggregate, 0 when none. */
  private int storedVersion(String aggName, UUID aggId) {
    String prefix = EventLayout.prefix(aggName, aggId);
    int max = 0;
    Bson filter = EventLayout.keyRange(prefix + "0000000000", prefix + "9999999999");
    try (MongoCursor<BsonDocument> c = reads.find(filter).projection(Projections.include(EventLayout.KEYS)).iterator()) {
      while (c.hasNext()) {
        max = Math.max(max, highestVersion(c.next(), prefix));
      }
    }
    return max;
  }

  private long nextSeq(long floor) {
    if (!seeded) {
      reseed();
    }
    return seq.updateAndGet(current -> Math.max(current, floor) + 1);
  }

  /** Moves the counter at least to the highest stored sequence number. */
  private void reseed() {
    BsonDocument top = reads.find(Filters.gt(EventLayout.SEQ, 0L))
        .projection(Projections.include(EventLayout.SEQ))
        .sort(Sorts.descending(EventLayout.SEQ))
        .first();
    long highest = top == null ? 0 : documents.seq(top);
    seq.accumulateAndGet(highest, Math::max);
    seeded = true;
  }

  private static List<Event<?>> positioned(List<? extends Event<?>> events, long at) {
    List<Event<?>> result = new ArrayList<>(events.size());
    for (int x = 0; x < events.size(); x++) {
      result.add(events.get(x).withPosition(EventLayout.position(at, x)));
    }
    return List.copyOf(result);
  }

  /** Inserts a void at {@code at}; failures are left to readers' gap timeout. */
  private void fillQuietly(long at) {
    try {
      writes.insertOne(EventLayout.voidDocument(at));
    } catch (RuntimeException ignored) {
      // A reader's gap timeout closes the hole instead (ADR 0019).
    }
  }

  /** The exception the contract names for a duplicate key on {@code field}. */
  private RuntimeException conflict(String field, List<? extends Event<?>> events, List<BatchValidator.Span> spans, MongoException e) {
    if (field.equals(EventLayout.IDS)) {
      List<BsonValue> ids = new ArrayList<>();
      for (Event<?> ev : events) {
        ids.add(new BsonBinary(ev.id()));
      }
      Set<UUID> stored = new HashSet<>();
      try (MongoCursor<BsonDocument> c = reads.find(Filters.in(EventLayout.IDS, ids)).iterator()) {
        while (c.hasNext()) {
          BsonDocument doc = c.next();
          BsonArray evIds = documents.ids(doc, documents.events(doc));
          for (int i = 0; i < evIds.size(); i++) {
            stored.add(documents.id(doc, evIds, i));
          }
        }
      } catch (RuntimeException unknown) {
        // fall back to the first id below
      }
      for (Event<?> ev : events) {
        if (stored.contains(ev.id())) {
          return new DuplicateEventException(ev.id());
        }
      }
      return new DuplicateEventException(events.get(0).id());
    }
    if (field.equals(EventLayout.KEYS)) {
      for (BatchValidator.Span s : spans) {
        int current;
        try {
          current = storedVersion(s.name(), s.id());
        } catch (RuntimeException unknown) {
          current = -1;
        }
        if (current >= s.firstVersion()) {
          return new ConcurrencyException(s.name(), s.id(), s.firstVersion() - 1, current);
        }
      }
      // The conflicting version was deleted again in between: the store cannot name the version.
      BatchValidator.Span first = spans.get(0);
      return new ConcurrencyException(first.name(), first.id(), first.firstVersion() - 1, -1);
    }
    return MongoErrors.translate(e, "inserting " + events.size() + " events into " + name, servers);
  }

  /**
   * {@link #outcome} with the thread's interrupt flag cleared while it runs (an interrupted
   * insert may have been sent, and the driver refuses to work on an interrupted thread) and
   * restored afterwards: the outcome timeout bounds the delay.
   */
  private List<Event<?>> outcomeAfter(List<? extends Event<?>> events, long at, MongoException cause) {
    boolean interrupted = Thread.interrupted() || cause instanceof MongoInterruptedException;
    try {
      return outcome(events, at, cause);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The insert may have been sent without a definite answer: learn within the outcome timeout
   * whether the batch is stored by putting a void at its number (ADR 0019). Every step without a
   * definite answer (the void's insert, the read of the document at the number) is tried again
   * until the deadline, and then the outcome is unknown.
   */
  private List<Event<?>> outcome(List<? extends Event<?>> events, long at, MongoException cause) {
    long deadline = System.nanoTime() + options.outcomeTimeout().toNanos();
    RuntimeException last = cause;
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        break;
      }
      try {
        writes.withTimeout(Math.max(1, left), TimeUnit.MILLISECONDS).insertOne(EventLayout.voidDocument(at));
        throw new MongoConnectionException(
            servers, "the connection broke while inserting " + events.size() + " events into " + name
                + "; the batch is not stored (its position was closed), so retrying it is safe", cause);
      } catch (MongoException e) {
        last = e;
        WriteError error = MongoErrors.writeError(e);
        if (error != null && EventLayout.SEQ.equals(MongoErrors.duplicateKeyField(error, EventIndexes.FIELDS))) {
          // Something holds the number: the batch, or a void (ours, or a reader's). Only a
          // majority read tells for sure, and it may fail too: then try again.
          try {
            BsonDocument doc = reads.withReadConcern(ReadConcern.MAJORITY)
                .withTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS)
                .find(Filters.eq(EventLayout.SEQ, at)).first();
            if (doc != null && holdsFirst(doc, events.get(0).id())) {
              return positioned(events, at);
            }
            if (doc != null) {
              throw new MongoConnectionException(
                  servers, "the connection broke while inserting " + events.size() + " events into " + name
                      + "; the batch is not stored (its position was closed), so retrying it is safe", cause);
            }
            // Not visible to a majority read yet: look again.
          } catch (MongoException readFailed) {
            last = readFailed;
          }
        } else if (error != null || !uncertain(e)) {
          break; // the server refused the void for another reason: the store cannot learn the outcome
        }
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          break;
        }
        pause();
      }
    }
    List<UUID> ids = new ArrayList<>();
    for (Event<?> e : events) {
      ids.add(e.id());
    }
    throw new OutcomeUnknownException(
        ids, "the connection to MongoDB at " + servers + " broke while inserting " + events.size() + " events into "
            + name + ", and within " + options.outcomeTimeout() + " the store could not learn whether they were stored",
        last);
  }

  /** Whether a failure without write error leaves the void's outcome open: worth another try. */
  private static boolean uncertain(MongoException e) {
    return MongoErrors.connection(e) || e instanceof MongoWriteConcernException
        || (e instanceof MongoBulkWriteException b && b.getWriteConcernError() != null);
  }

  private boolean holdsFirst(BsonDocument doc, UUID first) {
    BsonArray evs = documents.events(doc);
    return !evs.isEmpty() && documents.id(doc, documents.ids(doc, evs), 0).equals(first);
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Optional<Event<?>> find(UUID id) {
    Objects.requireNonNull(id, "id");
    ensureOpen();
    ensureReady();
    BsonDocument doc;
    try {
      doc = reads.find(Filters.eq(EventLayout.IDS, new BsonBinary(id))).first();
    } catch (MongoException | IllegalStateException e) {
      throw MongoErrors.translate(e, "finding event " + id + " in " + name, servers);
    }
    if (doc == null) {
      return Optional.empty();
    }
    long at = documents.seq(doc);
    BsonArray evs = documents.events(doc);
    BsonArray evIds = documents.ids(doc, evs);
    for (int i = 0; i < evs.size(); i++) {
      if (documents.id(doc, evIds, i).equals(id)) {
        BsonDocument e = documents.event(doc, evs, i);
        return EventUpcasting.withStoredId(documents.decodeAll(documents.header(at, doc, evIds, e, i), doc, e, i));
      }
    }
    return Optional.empty();
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    Objects.requireNonNull(query, "query");
    ensureOpen();
    EventLimits.checkQuery(query);
    ensureReady();
    QueryPlan plan = EventUpcasting.storedPlan(codec.registry(), query); // QueryPlan.of(query) without upcasters
    ClientSession session = null;
    try {
      if (!plan.followsStore()) {
        return EventUpcasting.finish(codec.registry(), query,
            EventQueries.stream(plan, reads, -1, null, documents, options.batchSize(), name, servers));
      }
      // Replica set: walk and page reads in one causally consistent session (ADR 0019, "on a
      // replica set"): after an election a page read must not miss a document the walk saw.
      session = causalSession();
      Stream<Event<?>> events = EventQueries.stream(
          plan, follows, horizon.current(session), session, documents, options.batchSize(), name, servers);
      if (session != null) {
        events = events.onClose(session::close);
      }
      return EventUpcasting.finish(codec.registry(), query, events);
    } catch (MongoException | IllegalStateException e) {
      if (session != null) {
        session.close();
      }
      throw MongoErrors.translate(e, "querying " + name, servers);
    } catch (RuntimeException e) {
      if (session != null) {
        session.close();
      }
      throw e;
    }
  }

  @Override
  public long lastPosition() {
    ensureOpen();
    ensureReady();
    ClientSession session = causalSession();
    try {
      long h = horizon.current(session);
      Bson below = Filters.and(
          Filters.gte(EventLayout.SEQ, 1L), Filters.lte(EventLayout.SEQ, h), Filters.exists(EventLayout.EVENTS + ".0"));
      try (MongoCursor<BsonDocument> c = (session == null ? follows.find(below) : follows.find(session, below))
          .projection(Projections.include(EventLayout.SEQ, EventLayout.EVENTS + "." + EventLayout.INDEX))
          .sort(Sorts.descending(EventLayout.SEQ))
          .limit(1)
          .iterator()) {
        if (!c.hasNext()) {
          return 0;
        }
        BsonDocument doc = c.next();
        long at = documents.seq(doc);
        BsonArray evs = documents.events(doc);
        int maxX = 0;
        for (int i = 0; i < evs.size(); i++) {
          BsonValue x = documents.event(doc, evs, i).get(EventLayout.INDEX);
          if (x != null && x.isInt32()) {
            maxX = Math.max(maxX, x.asInt32().getValue());
          }
        }
        return EventLayout.position(at, maxX);
      }
    } catch (MongoException | IllegalStateException e) {
      throw MongoErrors.translate(e, "reading the last position of " + name, servers);
    } finally {
      if (session != null) {
        session.close();
      }
    }
  }

  /**
   * A causally consistent session when the servers support sessions (a replica set or sharded
   * cluster reports logicalSessionTimeoutMinutes), else null: a standalone server, and the
   * in-process one, have one node, whose majority reads already see every earlier one.
   */
  private @Nullable ClientSession causalSession() {
    Boolean known = sessions;
    if (known == null) {
      known = client.getClusterDescription().getLogicalSessionTimeoutMinutes() != null
          && client.getClusterDescription().getType() != ClusterType.STANDALONE;
      sessions = known;
    }
    return known ? client.startSession(ClientSessionOptions.builder().causallyConsistent(true).build()) : null;
  }

  /** Whether follow reads run in a causally consistent session (for tests). */
  boolean followsInSessions() {
    ensureReady();
    Boolean known = sessions;
    if (known == null) {
      ClientSession s = causalSession();
      if (s != null) {
        s.close();
      }
      known = sessions;
    }
    return Boolean.TRUE.equals(known);
  }

  /** The write concern of inserts and voids (for tests). */
  WriteConcern writeConcern() {
    return writes.getWriteConcern();
  }

  // ------------------------------------------------------------------ delete

  /**
   * Takes the events out of their documents and never removes a document: an emptied one stays
   * as a void, so the horizon's proof keeps holding (ADR 0019). Each document is rewritten only if
   * its ids are still those read (another delete in between: read it again).
   */
  @Override
  public void delete(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return;
    }
    ensureReady();
    List<BsonValue> ids = new ArrayList<>(events.size());
    Set<UUID> wanted = new HashSet<>();
    for (Event<?> e : events) {
      if (wanted.add(e.id())) {
        ids.add(new BsonBinary(e.id()));
      }
    }
    try {
      for (int attempt = 0; attempt < SEQ_ATTEMPTS; attempt++) {
        List<BsonDocument> holding = new ArrayList<>();
        try (MongoCursor<BsonDocument> c = reads.find(Filters.in(EventLayout.IDS, ids)).iterator()) {
          c.forEachRemaining(holding::add);
        }
        boolean raced = false;
        for (BsonDocument doc : holding) {
          raced |= !deleteFrom(doc, wanted);
        }
        if (!raced) {
          return;
        }
      }
      throw new TransientException("deleting " + events.size() + " events from " + name
          + ": their documents kept changing under concurrent deletes; try again");
    } catch (MongoException | IllegalStateException e) {
      throw MongoErrors.translate(e, "deleting " + events.size() + " events from " + name, servers);
    }
  }

  /** Rewrites {@code doc} without the wanted events; false when it changed since it was read. */
  private boolean deleteFrom(BsonDocument doc, Set<UUID> wanted) {
    long at = documents.seq(doc);
    BsonArray evs = documents.events(doc);
    BsonArray evIds = documents.ids(doc, evs);
    BsonArray keptEvents = new BsonArray();
    BsonArray keptIds = new BsonArray();
    BsonArray keptKeys = new BsonArray();
    for (int i = 0; i < evs.size(); i++) {
      if (wanted.contains(documents.id(doc, evIds, i))) {
        continue;
      }
      BsonDocument e = documents.event(doc, evs, i);
      Event<?> header = documents.header(at, doc, evIds, e, i);
      keptEvents.add(e);
      keptIds.add(evIds.get(i));
      var ref = header.aggregateOrNull();
      if (ref != null) {
        keptKeys.add(new BsonString(EventLayout.key(ref.name(), ref.id(), ref.version())));
      }
    }
    List<Bson> set = new ArrayList<>();
    set.add(Updates.set(EventLayout.EVENTS, keptEvents));
    // Empty arrays would be indexed (as undefined) by the sparse unique indexes: drop the fields.
    set.add(keptIds.isEmpty() ? Updates.unset(EventLayout.IDS) : Updates.set(EventLayout.IDS, keptIds));
    set.add(keptKeys.isEmpty() ? Updates.unset(EventLayout.KEYS) : Updates.set(EventLayout.KEYS, keptKeys));
    return writes.updateOne(
            Filters.and(Filters.eq(EventLayout.SEQ, at), Filters.eq(EventLayout.IDS, evIds)), Updates.combine(set))
        .getMatchedCount() == 1;
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public Subscription onInsert(Consumer<List<Event<?>>> listener) {
    Objects.requireNonNull(listener, "listener");
    return insertListeners.add(listener);
  }

  @Override
  public void close() {
    closed.set(true);
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new ClosedException("event store");
    }
  }

  /** Creates or checks the indexes once, on first use. */
  private void ensureReady() {
    if (ready) {
      return;
    }
    setUp.lock();
    try {
      if (!ready) {
        try {
          EventIndexes.ensure(writes, options.indexPolicy(), servers);
        } catch (IllegalStateException e) {
          throw MongoErrors.translate(e, "checking the indexes of " + name, servers);
        }
        ready = true;
      }
    } finally {
      setUp.unlock();
    }
  }

  @Override
  public String toString() {
    return "MongoDB event store " + name + " at " + servers;
  }
}
