package dev.fabula.mongodb;

import dev.fabula.codec.Codec;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.InvalidEventException;
import dev.fabula.spi.EventLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * The layout of the events collection (ADR 0019): one document per stored batch, {@code {_id:
 * seq, u: [event ids], k: [aggregate keys], e: [events]}}, with one-letter field names so that a payload just
 * below Fabula's 16 MiB limit still fits MongoDB's document limit. Builds the documents; {@link
 * EventDocuments} reads them back.
 */
final class EventLayout {
  /** The batch's sequence number: positions are {@code _id * EVENTS_PER_BATCH + x}. */
  static final String SEQ = "_id";
  /** The batch's aggregate keys ({@link #key}), absent when no event has an aggregate. */
  static final String KEYS = "k";
  /** The batch's events, in insert order; empty in a void document. */
  static final String EVENTS = "e";
  /**
   * The batch's event ids (binary subtype 4), in the order of {@link #EVENTS}: a top-level array,
   * so that the sparse unique index on it skips void documents on every server (the in-process
   * server ignores {@code sparse} on a path through an array of sub-documents).
   */
  static final String IDS = "u";
  /** Event name. */
  static final String NAME = "n";
  /** Event time: nanoseconds since the epoch, int64 (comparable, exact). */
  static final String TIME = "t";
  /** Payload, the codec's JSON as a string. */
  static final String DATA = "d";
  /** Payload revision, absent when 1. */
  static final String REVISION = "r";
  /** Metadata as an array of [key, value] pairs (user text never becomes a field name). */
  static final String METADATA = "m";
  /** Aggregate name, id and version; absent without aggregate. */
  static final String AGG_NAME = "a";
  static final String AGG_ID = "ai";
  static final String VERSION = "v";
  /** Index within the batch, absent when 0. */
  static final String INDEX = "x";

  /** Dotted paths used by filters and indexes. */
  static final String EVENT_NAMES = EVENTS + "." + NAME;
  static final String EVENT_AGG_IDS = EVENTS + "." + AGG_ID;

  /** Events a batch may hold: positions leave 20 bits for the index within the batch. */
  static final int EVENTS_PER_BATCH = 1 << 20;

  /** The highest sequence number whose positions fit a long. */
  static final long MAX_SEQ = Long.MAX_VALUE / EVENTS_PER_BATCH;

  /** MongoDB's limit on a document's BSON size. */
  static final int MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

  /** The id of the document holding the shared horizon watermark ({@code {_id: -1, h: seq}}). */
  static final long WATERMARK_ID = -1;
  static final String WATERMARK = "h";

  /** Below this estimate a document surely fits; above it, it is measured exactly. */
  private static final long MEASURE_ABOVE = MAX_DOCUMENT_BYTES - (1 << 20);

  private EventLayout() {}

  /**
   * The key of an aggregate's version in {@code k}: name, NUL, id, NUL, version as ten digits, so
   * keys of one aggregate sort by version and a name's keys share a prefix. Names hold no NUL
   * ({@link EventLimits} refuses it), so keys of different aggregates never collide.
   */
  static String key(String aggregateName, UUID aggregateId, int version) {
    return prefix(aggregateName, aggregateId) + pad(version);
  }

  /** The prefix of every key of one aggregate. */
  static String prefix(String aggregateName, UUID aggregateId) {
    return aggregateName + "\0" + aggregateId + "\0";
  }

  /** Ten digits: versions are positive ints, at most 2147483647. */
  private static String pad(int version) {
    String digits = Integer.toString(version);
    return "0".repeat(10 - digits.length()) + digits;
  }

  /** The version at the end of a key (for messages). */
  static int versionOf(String key) {
    return Integer.parseInt(key.substring(key.length() - 10));
  }

  /** Documents holding a key between {@code lo} and {@code hi} (inclusive). */
  static org.bson.conversions.Bson keyRange(String lo, String hi) {
    return new BsonDocument(
        KEYS, new BsonDocument("$elemMatch", new BsonDocument("$gte", new BsonString(lo)).append("$lte", new BsonString(hi))));
  }

  /** A batch encoded: its event ids, its events' sub-documents, its keys, and its estimated size. */
  record Batch(BsonArray idValues, BsonArray events, BsonArray keys, long estimate) {}

  /**
   * Encodes the events (payloads through the codec, checked against the limits).
   *
   * @throws InvalidEventException when a payload is beyond the limits or the time beyond int64
   *     nanoseconds
   */
  static Batch encode(List<? extends Event<?>> events, Codec codec) {
    BsonArray docs = new BsonArray(new ArrayList<>(events.size()));
    BsonArray keys = new BsonArray();
    BsonArray idValues = new BsonArray(new ArrayList<>(events.size()));
    long estimate = 64;
    for (int x = 0; x < events.size(); x++) {
      Event<?> e = events.get(x);
      BsonDocument d = new BsonDocument();
      d.put(NAME, new BsonString(e.name()));
      d.put(TIME, new BsonInt64(nanos(e)));
      byte[] json = codec.encode(e.name(), e.data());
      EventLimits.checkJsonPayload(e, json);
      d.put(DATA, new BsonString(new String(json, StandardCharsets.UTF_8)));
      int revision = codec.revision(e.name(), e.data());
      if (revision != 1) {
        d.put(REVISION, new BsonInt32(revision));
      }
      Map<String, String> metadata = e.metadata().values();
      if (!metadata.isEmpty()) {
        BsonArray pairs = new BsonArray(new ArrayList<>(metadata.size()));
        for (Map.Entry<String, String> m : metadata.entrySet()) {
          pairs.add(new BsonArray(List.of(new BsonString(m.getKey()), new BsonString(m.getValue()))));
          estimate += 3L * (m.getKey().length() + m.getValue().length()) + 32;
        }
        d.put(METADATA, pairs);
      }
      AggregateRef ref = e.aggregateOrNull();
      if (ref != null) {
        d.put(AGG_NAME, new BsonString(ref.name()));
        d.put(AGG_ID, new BsonBinary(ref.id()));
        d.put(VERSION, new BsonInt32(ref.version()));
        String key = key(ref.name(), ref.id(), ref.version());
        keys.add(new BsonString(key));
        estimate += 3L * (ref.name().length() * 2L) + 128;
      }
      if (x != 0) {
        d.put(INDEX, new BsonInt32(x));
      }
      estimate += json.length + 3L * e.name().length() + 96;
      docs.add(d);
      idValues.add(new BsonBinary(e.id()));
    }
    return new Batch(idValues, docs, keys, estimate);
  }

  /** The document storing {@code batch} at {@code seq} (checked by {@link #checkSize} first). */
  static BsonDocument document(long seq, Batch batch) {
    BsonDocument doc = new BsonDocument(SEQ, new BsonInt64(seq));
    doc.put(IDS, batch.idValues());
    if (!batch.keys().isEmpty()) {
      doc.put(KEYS, batch.keys());
    }
    doc.put(EVENTS, batch.events());
    return doc;
  }

  /**
   * Checks that {@code batch} fits one MongoDB document: measured exactly once its estimate comes
   * within 1 MiB of the limit (every sequence number takes the same 8 bytes).
   *
   * @throws InvalidEventException (one event) or {@link InvalidBatchException} when the document
   *     would exceed MongoDB's document limit, naming the limit
   */
  static void checkSize(Batch batch, List<? extends Event<?>> events) {
    if (batch.estimate() <= MEASURE_ABOVE) {
      return;
    }
    int size = new RawBsonDocument(document(0, batch), new BsonDocumentCodec()).getByteBuffer().remaining();
    if (size > MAX_DOCUMENT_BYTES) {
      String why = "stored as one MongoDB document it takes " + size + " bytes, more than MongoDB's limit of "
          + MAX_DOCUMENT_BYTES + " bytes per document";
      if (events.size() == 1) {
        throw new InvalidEventException(events.get(0).id(), "payload", why);
      }
      throw new InvalidBatchException(
          "the batch of " + events.size() + " events starting with " + events.get(0).id() + " is too large: "
              + why + "; split it (each part is atomic on its own)");
    }
  }

  /** A void document: holds a sequence number without events (ADR 0019). */
  static BsonDocument voidDocument(long seq) {
    return new BsonDocument(SEQ, new BsonInt64(seq)).append(EVENTS, new BsonArray());
  }

  /** The position of the event at index {@code x} of the batch stored at {@code seq}. */
  static long position(long seq, int x) {
    return seq * EVENTS_PER_BATCH + x;
  }

  /** The sequence number holding {@code position}. */
  static long seqOf(long position) {
    return position / EVENTS_PER_BATCH;
  }

  /** Nanoseconds since the epoch, or an {@link InvalidEventException} when beyond int64. */
  static long nanos(Event<?> e) {
    Instant t = e.time();
    try {
      return exactNanos(t);
    } catch (ArithmeticException overflow) {
      throw new InvalidEventException(
          e.id(), "time", "is " + t + ", outside what MongoDB stores to the nanosecond (1677-09-21 to 2262-04-11)");
    }
  }

  /** Nanoseconds since the epoch; beyond int64, the nearest end (for query bounds). */
  static long nanosOrEnd(Instant t) {
    try {
      return exactNanos(t);
    } catch (ArithmeticException beyond) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Nanoseconds since the epoch, or an {@link ArithmeticException} beyond int64. */
  private static long exactNanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  /** The instant of {@code nanos} since the epoch. */
  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
