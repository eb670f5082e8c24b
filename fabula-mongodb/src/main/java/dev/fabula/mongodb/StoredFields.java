package dev.fabula.mongodb;

import java.time.Instant;
import java.util.UUID;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Typed reads of a stored document's fields. A document Fabula did not write in this shape (a
 * field missing or of another type, edited by hand) is a {@link MongoStoreException} naming the
 * collection, the document's {@code _id} and the field, never a {@code NullPointerException} or
 * {@code ClassCastException}.
 */
final class StoredFields {
  private static final long NANOS = 1_000_000_000L;

  private final String collection;
  private final BsonDocument doc;

  StoredFields(String collection, BsonDocument doc) {
    this.collection = collection;
    this.doc = doc;
  }

  String string(String field) {
    BsonValue v = doc.get(field);
    if (v == null || !v.isString()) {
      throw wrongShape(field, "a string", v);
    }
    return v.asString().getValue();
  }

  /** An int64 field; an int32 is accepted too (a hand-written small number is still the number). */
  long int64(String field) {
    BsonValue v = doc.get(field);
    if (v != null && v.isInt64()) {
      return v.asInt64().getValue();
    }
    if (v != null && v.isInt32()) {
      return v.asInt32().getValue();
    }
    throw wrongShape(field, "an int64", v);
  }

  int int32(String field) {
    BsonValue v = doc.get(field);
    if (v == null || !v.isInt32()) {
      throw wrongShape(field, "an int32", v);
    }
    return v.asInt32().getValue();
  }

  /** An int32 field, or {@code absent} when the document does not have it. */
  int int32(String field, int absent) {
    return doc.containsKey(field) ? int32(field) : absent;
  }

  UUID uuid(String field) {
    BsonValue v = doc.get(field);
    if (v == null || !v.isBinary() || v.asBinary().getType() != BsonBinarySubType.UUID_STANDARD.getValue()
        || v.asBinary().getData().length != 16) {
      throw wrongShape(field, "a UUID (binary subtype 4)", v);
    }
    return v.asBinary().asUuid();
  }

  /** The document's {@code _id} as text, for messages. */
  String id() {
    BsonValue id = doc.get("_id");
    if (id == null) {
      return "(no _id)";
    }
    // A snapshot's _id holds NUL separators: shown as \0, as MongoNameException shows names.
    return id.isString() ? "\"" + id.asString().getValue().replace("\0", "\\0") + "\"" : id.toString();
  }

  private MongoStoreException wrongShape(String field, String expected, BsonValue found) {
    String what = found == null ? "it is missing" : "it is " + found.getBsonType();
    return new MongoStoreException(
        "the document with _id " + id() + " in collection " + collection + " has not the shape Fabula writes: field "
            + field + " must be " + expected + ", but " + what + " (was it edited by hand?)",
        0, null);
  }

  /** A UUID as MongoDB stores it: binary subtype 4. */
  static BsonBinary binary(UUID id) {
    return new BsonBinary(id);
  }

  /**
   * Nanoseconds since the epoch: exact and comparable as an int64, for instants from 1677 to 2262.
   *
   * @throws IllegalArgumentException naming {@code what} when the instant is outside that range
   */
  static long nanos(Instant t, String what) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS), t.getNano());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "the time " + t + " of " + what + " is outside the range MongoDB stores exactly (int64 nanoseconds since"
              + " the epoch: years 1677 to 2262)");
    }
  }

  /** Nanoseconds of a query bound: instants beyond the storable range compare like its ends. */
  static long clampedNanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS), t.getNano());
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS), Math.floorMod(nanos, NANOS));
  }
}
