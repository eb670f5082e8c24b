package dev.fabula.mongodb;

import dev.fabula.codec.Codec;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.Metadata;
import dev.fabula.spi.EventUpcasting;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonType;
import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;

/**
 * Reads the documents of {@link EventLayout} back. A field missing or of another BSON type than
 * Fabula writes (a document edited by hand) fails as a {@link MongoStoreException} naming the
 * collection, the document's {@code _id} and the field; a payload that no longer decodes fails
 * as an {@link EventDecodingException} naming the event, as in every store.
 */
final class EventDocuments {
  /** Stands in for the payload while a query checks an event's other fields. */
  private static final Object UNDECODED = new Object();

  private final Codec codec;
  private final String collection;

  EventDocuments(Codec codec, String collection) {
    this.codec = codec;
    this.collection = collection;
  }

  /** The sequence number of a document. */
  long seq(BsonDocument doc) {
    BsonValue v = doc.get(EventLayout.SEQ);
    if (v == null || v.getBsonType() != BsonType.INT64 || v.asInt64().getValue() > EventLayout.MAX_SEQ) {
      throw foreignId(collection, v);
    }
    return v.asInt64().getValue();
  }

  /** The events array of a document (empty for a void). */
  BsonArray events(BsonDocument doc) {
    BsonValue v = doc.get(EventLayout.EVENTS);
    if (v == null || !v.isArray()) {
      throw shape(doc, EventLayout.EVENTS, v, "an array of events");
    }
    return v.asArray();
  }

  /** An event's sub-document at {@code index} of its document. */
  BsonDocument event(BsonDocument doc, BsonArray events, int index) {
    BsonValue v = events.get(index);
    if (!v.isDocument()) {
      throw shape(doc, EventLayout.EVENTS + "." + index, v, "an event sub-document");
    }
    return v.asDocument();
  }

  /** The event ids of a document, one per event (checked against the events array's size). */
  BsonArray ids(BsonDocument doc, BsonArray events) {
    BsonValue v = doc.get(EventLayout.IDS);
    if (v == null && events.isEmpty()) {
      return new BsonArray();
    }
    if (v == null || !v.isArray() || v.asArray().size() != events.size()) {
      throw shape(doc, EventLayout.IDS, v, "an array of the " + events.size() + " event ids");
    }
    return v.asArray();
  }

  /** The id of the event at {@code index}. */
  UUID id(BsonDocument doc, BsonArray ids, int index) {
    BsonValue v = ids.get(index);
    if (!isUuid(v)) {
      throw shape(doc, EventLayout.IDS + "." + index, v, "a UUID (binary subtype 4)");
    }
    return v.asBinary().asUuid();
  }

  /**
   * The event of sub-document {@code e} with every field but its payload, which is a placeholder:
   * what a query checks before it decodes a payload it will return.
   */
  Event<?> header(long seq, BsonDocument doc, BsonArray ids, BsonDocument e, int index) {
    UUID id = id(doc, ids, index);
    String name = string(doc, e, EventLayout.NAME, index);
    long nanos = int64(doc, e, EventLayout.TIME, index);
    AggregateRef ref = null;
    if (e.containsKey(EventLayout.AGG_NAME)) {
      String aggName = string(doc, e, EventLayout.AGG_NAME, index);
      UUID aggId = uuid(doc, e, EventLayout.AGG_ID, index);
      int version = int32(doc, e, EventLayout.VERSION, index);
      if (version < 1) {
        throw shape(doc, path(index, EventLayout.VERSION), e.get(EventLayout.VERSION), "a version of at least 1");
      }
      ref = new AggregateRef(aggName, aggId, version);
    }
    int x = e.containsKey(EventLayout.INDEX) ? int32(doc, e, EventLayout.INDEX, index) : 0;
    if (x < 0 || x >= EventLayout.EVENTS_PER_BATCH) {
      throw shape(doc, path(index, EventLayout.INDEX), e.get(EventLayout.INDEX), "an index within the batch");
    }
    Metadata metadata = metadata(doc, e, index);
    return Event.of(id, name, EventLayout.instant(nanos), UNDECODED, ref, metadata, EventLayout.position(seq, x));
  }

  /**
   * The events {@code header} reads as: its payload decoded, or read through the codec's event
   * upcasters when its name has some (none, one or several events).
   *
   * @throws EventDecodingException when the payload no longer decodes, naming the event
   */
  List<Event<?>> decodeAll(Event<?> header, BsonDocument doc, BsonDocument e, int index) {
    if (!EventUpcasting.upcasts(codec, header.name())) {
      return List.of(decode(header, doc, e, index));
    }
    byte[] json;
    int revision;
    try {
      json = string(doc, e, EventLayout.DATA, index).getBytes(StandardCharsets.UTF_8);
      revision = e.containsKey(EventLayout.REVISION) ? int32(doc, e, EventLayout.REVISION, index) : 1;
    } catch (RuntimeException failure) {
      throw new EventDecodingException(header.id(), header.name(), header.position(), failure);
    }
    return EventUpcasting.decode(codec, header, revision, json);
  }

  /**
   * The event {@code header} with its payload decoded, as stored (no event upcasters).
   *
   * @throws EventDecodingException when the payload no longer decodes, naming the event
   */
  Event<?> decode(Event<?> header, BsonDocument doc, BsonDocument e, int index) {
    String json = string(doc, e, EventLayout.DATA, index);
    int revision = e.containsKey(EventLayout.REVISION) ? int32(doc, e, EventLayout.REVISION, index) : 1;
    Object data;
    try {
      data = codec.decode(header.name(), revision, json.getBytes(StandardCharsets.UTF_8));
      if (data == null) {
        throw new IllegalArgumentException("the stored payload is JSON null");
      }
    } catch (RuntimeException failure) {
      throw new EventDecodingException(header.id(), header.name(), header.position(), failure);
    }
    return Event.of(
        header.id(), header.name(), header.time(), data, header.aggregateOrNull(), header.metadata(),
        header.position());
  }

  private Metadata metadata(BsonDocument doc, BsonDocument e, int index) {
    BsonValue v = e.get(EventLayout.METADATA);
    if (v == null) {
      return Metadata.empty();
    }
    String path = path(index, EventLayout.METADATA);
    if (!v.isArray()) {
      throw shape(doc, path, v, "an array of [key, value] pairs");
    }
    Map<String, String> values = new LinkedHashMap<>();
    BsonArray pairs = v.asArray();
    for (int i = 0; i < pairs.size(); i++) {
      BsonValue p = pairs.get(i);
      if (!p.isArray() || p.asArray().size() != 2 || !p.asArray().get(0).isString() || !p.asArray().get(1).isString()) {
        throw shape(doc, path + "." + i, p, "a [key, value] pair of strings");
      }
      values.put(p.asArray().get(0).asString().getValue(), p.asArray().get(1).asString().getValue());
    }
    return new Metadata(values);
  }

  private String string(BsonDocument doc, BsonDocument e, String field, int index) {
    BsonValue v = e.get(field);
    if (v == null || !v.isString()) {
      throw shape(doc, path(index, field), v, "a string");
    }
    if (!field.equals(EventLayout.DATA) && v.asString().getValue().isBlank()) {
      throw shape(doc, path(index, field), v, "a non-blank name");
    }
    return v.asString().getValue();
  }

  private long int64(BsonDocument doc, BsonDocument e, String field, int index) {
    BsonValue v = e.get(field);
    if (v == null || v.getBsonType() != BsonType.INT64) {
      throw shape(doc, path(index, field), v, "an int64");
    }
    return v.asInt64().getValue();
  }

  private int int32(BsonDocument doc, BsonDocument e, String field, int index) {
    BsonValue v = e.get(field);
    if (v == null || v.getBsonType() != BsonType.INT32) {
      throw shape(doc, path(index, field), v, "an int32");
    }
    return v.asInt32().getValue();
  }

  private UUID uuid(BsonDocument doc, BsonDocument e, String field, int index) {
    BsonValue v = e.get(field);
    if (!isUuid(v)) {
      throw shape(doc, path(index, field), v, "a UUID (binary subtype 4)");
    }
    return v.asBinary().asUuid();
  }

  private static boolean isUuid(@Nullable BsonValue v) {
    return v != null && v.isBinary() && v.asBinary().getType() == BsonBinarySubType.UUID_STANDARD.getValue()
        && v.asBinary().getData().length == 16;
  }

  private static String path(int index, String field) {
    return EventLayout.EVENTS + "." + index + "." + field;
  }

  private MongoStoreException shape(BsonDocument doc, String field, @Nullable BsonValue v, String expected) {
    BsonValue id = doc.get(EventLayout.SEQ);
    String found = v == null ? "missing" : v.isString() && v.asString().getValue().isBlank() ? "blank" : "a " + v.getBsonType();
    return new MongoStoreException(
        "document " + (id == null ? "without _id" : "_id " + render(id)) + " of " + collection + " has field '"
            + field + "' " + found + ", where Fabula writes " + expected
            + "; the document was not written by Fabula or was edited by hand", 0, null);
  }

  /**
   * The version at the end of aggregate key {@code key} of document {@code doc}.
   *
   * @throws MongoStoreException when the key does not end in ten digits, naming the document
   */
  int versionOf(BsonDocument doc, String key) {
    try {
      if (key.length() >= 10) {
        return EventLayout.versionOf(key);
      }
    } catch (NumberFormatException notDigits) {
      // below
    }
    throw shape(doc, EventLayout.KEYS, new org.bson.BsonString(key), "aggregate keys ending in a ten-digit version");
  }

  /** A document whose {@code _id} is not the int64 sequence number Fabula writes. */
  static MongoStoreException foreignId(String collection, @Nullable BsonValue id) {
    return new MongoStoreException(
        "a document of " + collection + " has _id " + (id == null ? "missing" : render(id) + " (" + id.getBsonType() + ")")
            + ", not the int64 sequence number Fabula writes (at most " + EventLayout.MAX_SEQ
            + "); it was not written by Fabula or was edited by hand",
        0, null);
  }

  private static String render(BsonValue id) {
    return switch (id.getBsonType()) {
      case INT64 -> Long.toString(id.asInt64().getValue());
      case INT32 -> Integer.toString(id.asInt32().getValue());
      case STRING -> "'" + id.asString().getValue() + "'";
      default -> id.getBsonType().toString();
    };
  }
}
