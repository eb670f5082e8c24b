package dev.fabula.mongodb;

import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The gap-safe horizon of ADR 0019: the highest sequence number H such that every sequence
 * number from 1 to H holds a document (a batch or a void). A store-following read returns only
 * documents at or below H, so it never passes a sequence number a writer took but has not stored.
 *
 * <p>Walks {@code _id} upwards from the highest H this store has seen (or the one persisted in the
 * watermark document {@code {_id: -1, h}}). At a hole (a number without a document while a higher
 * one exists) it remembers when it first saw it; once the hole has been open for the gap timeout,
 * it inserts a void at it: if that succeeds, the late writer's insert fails on {@code _id} and it
 * stores its batch at a new number, above every reader's horizon; if it fails on {@code _id}, the
 * batch landed and is read. Thread-safe.
 */
final class Horizon {
  /** Persist the watermark when it moved this far since the last time. */
  private static final long PERSIST_EVERY = 1024;

  private final MongoCollection<BsonDocument> events;
  private final Duration gapTimeout;
  private final String servers;
  private final LongSupplier clock;
  private final ReentrantLock lock = new ReentrantLock();
  private long horizon;
  private boolean loaded;
  private long persisted;
  private long holeSeq = -1;
  private long holeSince;

  /**
   * @param events the events collection, with the write concern for voids and majority read
   *     concern (a document the horizon passes must never be rolled back)
   * @param clock nanoseconds, monotonic ({@link System#nanoTime()}; tests may pass their own)
   */
  Horizon(MongoCollection<BsonDocument> events, Duration gapTimeout, String servers, LongSupplier clock) {
    this.events = events;
    this.gapTimeout = gapTimeout;
    this.servers = servers;
    this.clock = clock;
  }

  /** The current horizon H (0 while the store holds no document). */
  long current() {
    lock.lock();
    try {
      if (!loaded) {
        horizon = Math.max(horizon, persistedWatermark());
        persisted = horizon;
        loaded = true;
      }
      long h = horizon;
      boolean rescan = true;
      while (rescan) {
        rescan = false;
        try (MongoCursor<BsonDocument> c = events.find(Filters.gt(EventLayout.SEQ, h))
            .projection(Projections.include(EventLayout.SEQ))
            .sort(Sorts.ascending(EventLayout.SEQ))
            .batchSize(1000)
            .iterator()) {
          while (c.hasNext()) {
            long id = seqOf(c.next());
            if (id == h + 1) {
              h = id;
              continue;
            }
            // A hole at h + 1: a higher number is taken, h + 1 is not (yet).
            long hole = h + 1;
            long now = clock.getAsLong();
            if (holeSeq != hole) {
              holeSeq = hole;
              holeSince = now;
            }
            if (now - holeSince >= gapTimeout.toNanos()) {
              // Our void (written with majority write concern, so our majority read sees it): go
              // on above it. A batch there already: read it next time, once this read sees it.
              rescan = fill(hole);
            }
            break;
          }
        }
      }
      horizon = h;
      if (h - persisted >= PERSIST_EVERY) {
        persist(h);
      }
      return h;
    } catch (MongoException e) {
      throw MongoErrors.translate(e, "reading the positions of " + events.getNamespace(), servers);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Inserts a void at {@code seq}: true when it did, false when a document is there already (the
   * late batch, or another reader's void).
   */
  private boolean fill(long seq) {
    try {
      events.insertOne(EventLayout.voidDocument(seq));
      return true;
    } catch (MongoWriteException e) {
      String field = MongoErrors.duplicateKeyField(e.getError(), EventIndexes.FIELDS);
      if (!EventLayout.SEQ.equals(field)) {
        throw e;
      }
      return false;
    }
  }

  private long seqOf(BsonDocument doc) {
    BsonValue v = doc.get(EventLayout.SEQ);
    if (v == null || !v.isInt64()) {
      throw EventDocuments.foreignId(events.getNamespace().getFullName(), v);
    }
    return v.asInt64().getValue();
  }

  private long persistedWatermark() {
    BsonDocument doc = events.find(Filters.eq(EventLayout.SEQ, EventLayout.WATERMARK_ID)).first();
    if (doc == null) {
      return 0;
    }
    BsonValue h = doc.get(EventLayout.WATERMARK);
    return h != null && h.isInt64() ? Math.max(0, h.asInt64().getValue()) : 0;
  }

  private void persist(long h) {
    try {
      events.updateOne(
          Filters.eq(EventLayout.SEQ, EventLayout.WATERMARK_ID), Updates.max(EventLayout.WATERMARK, h),
          new UpdateOptions().upsert(true));
      persisted = h;
    } catch (MongoWriteException raced) {
      // Two first upserts raced on _id -1: the other one stored a watermark; ours is only a hint.
    }
  }
}
