package dev.fabula.mongodb;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.WriteError;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.ClientSession;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.jspecify.annotations.Nullable;

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
  /** Voids inserted by one insertMany when a run of holes is closed. */
  private static final int FILL_BATCH = 1000;

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
  /** The highest taken number when the hole at {@link #holeSeq} was first seen. */
  private long holeCeiling;

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

  /**
   * The current horizon H (0 while the store holds no document).
   *
   * <p>Holds the lock across its reads and voids; each of them is bounded by the client's socket
   * and server selection timeouts ({@link MongoDb#client}), so a silent server fails a follower
   * (with {@link MongoConnectionException}) instead of hanging it and the followers queued behind.
   */
  long current() {
    return current(null);
  }

  /**
   * The current horizon H, every read and void in {@code session} when given: a causally
   * consistent session on a replica set, in which the follow read's pages then run too (ADR 0019).
   */
  long current(@Nullable ClientSession session) {
    lock.lock();
    try {
      if (!loaded) {
        horizon = Math.max(horizon, persistedWatermark(session));
        persisted = horizon;
        loaded = true;
      }
      long h = horizon;
      while (true) {
        long[] walked = walk(session, h);
        h = walked[0];
        if (walked[1] == 0) {
          holeSeq = -1; // no hole: nothing above h
          break;
        }
        // A hole at h + 1: a higher number is taken, h + 1 is not (yet).
        long hole = h + 1;
        if (holeSeq != hole) {
          // Read the highest number first, then the clock: every number up to it that is still
          // missing later was missing, below a taken number, since holeSince.
          holeCeiling = highest(session);
          holeSeq = hole;
          holeSince = clock.getAsLong();
        }
        if (clock.getAsLong() - holeSince < gapTimeout.toNanos()) {
          break;
        }
        // Open for the gap timeout: void it and every other hole up to the ceiling at once (ADR
        // 0019). Our voids are written with majority write concern, so our majority read sees
        // them: go on above. A batch at h + 1 already: read it next time, once this read sees it.
        boolean filledFirst = fillUpTo(session, h, Math.max(hole, holeCeiling));
        holeSeq = -1;
        if (!filledFirst) {
          break;
        }
      }
      horizon = h;
      if (h - persisted >= PERSIST_EVERY) {
        persist(session, h);
      }
      return h;
    } catch (MongoException e) {
      throw MongoErrors.translate(e, "reading the positions of " + events.getNamespace(), servers);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Walks the contiguous numbers above {@code h}: {@code [new h, 1 if a higher number is taken
   * (a hole at new h + 1) else 0]}.
   */
  private long[] walk(@Nullable ClientSession session, long h) {
    try (MongoCursor<BsonDocument> c = find(session, Filters.gt(EventLayout.SEQ, h))
        .projection(Projections.include(EventLayout.SEQ))
        .sort(Sorts.ascending(EventLayout.SEQ))
        .batchSize(1000)
        .iterator()) {
      while (c.hasNext()) {
        long id = seqOf(c.next());
        if (id != h + 1) {
          return new long[] {h, 1};
        }
        h = id;
      }
    }
    return new long[] {h, 0};
  }

  /** The highest taken sequence number (0 when none). */
  private long highest(@Nullable ClientSession session) {
    BsonDocument top = find(session, Filters.gt(EventLayout.SEQ, 0L))
        .projection(Projections.include(EventLayout.SEQ))
        .sort(Sorts.descending(EventLayout.SEQ))
        .first();
    return top == null ? 0 : seqOf(top);
  }

  /**
   * Inserts a void at every number above {@code h} up to {@code ceiling} that holds no document,
   * in unordered batches that skip numbers taken meanwhile (the late batch, or another reader's
   * void). True when {@code h + 1} got our void.
   */
  private boolean fillUpTo(@Nullable ClientSession session, long h, long ceiling) {
    boolean first = false;
    long next = h + 1; // the lowest number not looked at yet
    while (next <= ceiling) {
      List<BsonDocument> voids = new ArrayList<>();
      try (MongoCursor<BsonDocument> c = find(session, Filters.and(Filters.gte(EventLayout.SEQ, next), Filters.lte(EventLayout.SEQ, ceiling)))
          .projection(Projections.include(EventLayout.SEQ))
          .sort(Sorts.ascending(EventLayout.SEQ))
          .batchSize(1000)
          .iterator()) {
        while (next <= ceiling && voids.size() < FILL_BATCH) {
          long taken = c.hasNext() ? seqOf(c.next()) : ceiling + 1;
          while (next < taken && next <= ceiling && voids.size() < FILL_BATCH) {
            voids.add(EventLayout.voidDocument(next++));
          }
          if (voids.size() >= FILL_BATCH) {
            break; // the next round's read starts at next again
          }
          next = taken + 1;
        }
      }
      if (!voids.isEmpty()) {
        first |= insertVoids(session, voids, h + 1);
      }
    }
    return first;
  }

  /** Inserts {@code voids} unordered, skipping duplicate {@code _id}s; true when {@code watched} got our void. */
  private boolean insertVoids(@Nullable ClientSession session, List<BsonDocument> voids, long watched) {
    boolean mine = voids.get(0).getInt64(EventLayout.SEQ).getValue() == watched;
    try {
      InsertManyOptions unordered = new InsertManyOptions().ordered(false);
      if (session == null) {
        events.insertMany(voids, unordered);
      } else {
        events.insertMany(session, voids, unordered);
      }
      return mine;
    } catch (MongoBulkWriteException e) {
      if (e.getWriteConcernError() != null) {
        throw e;
      }
      for (BulkWriteError error : e.getWriteErrors()) {
        WriteError w = new WriteError(error.getCode(), error.getMessage(), error.getDetails());
        if (!EventLayout.SEQ.equals(MongoErrors.duplicateKeyField(w, EventIndexes.FIELDS))) {
          throw e;
        }
        if (error.getIndex() == 0) {
          mine = false;
        }
      }
      return mine;
    }
  }

  private long seqOf(BsonDocument doc) {
    BsonValue v = doc.get(EventLayout.SEQ);
    if (v == null || !v.isInt64() || v.asInt64().getValue() > EventLayout.MAX_SEQ) {
      throw EventDocuments.foreignId(events.getNamespace().getFullName(), v);
    }
    return v.asInt64().getValue();
  }

  private FindIterable<BsonDocument> find(@Nullable ClientSession session, Bson filter) {
    return session == null ? events.find(filter) : events.find(session, filter);
  }

  private long persistedWatermark(@Nullable ClientSession session) {
    BsonDocument doc = find(session, Filters.eq(EventLayout.SEQ, EventLayout.WATERMARK_ID)).first();
    if (doc == null) {
      return 0;
    }
    BsonValue h = doc.get(EventLayout.WATERMARK);
    return h != null && h.isInt64() ? Math.max(0, h.asInt64().getValue()) : 0;
  }

  private void persist(@Nullable ClientSession session, long h) {
    try {
      Bson at = Filters.eq(EventLayout.SEQ, EventLayout.WATERMARK_ID);
      Bson max = Updates.max(EventLayout.WATERMARK, h);
      UpdateOptions upsert = new UpdateOptions().upsert(true);
      if (session == null) {
        events.updateOne(at, max, upsert);
      } else {
        events.updateOne(session, at, max, upsert);
      }
      persisted = h;
    } catch (MongoException bestEffort) {
      // Only a hint for cold readers: two first upserts raced on _id -1 (the other one stored a
      // watermark), or the user may only read (followers need no write permission until a hole
      // must be voided), or the write failed: the walk just starts lower next time.
    }
  }
}
