package dev.fabula.mongodb;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * What the snapshot and read-model stores share when they write one document by {@code _id}: the
 * check that the document fits MongoDB's limit, and the upsert that replaces it.
 */
final class StoredDocuments {
  /** Below this many bytes of JSON a document surely fits; above it, it is measured exactly. */
  private static final int MEASURE_ABOVE = EventLayout.MAX_DOCUMENT_BYTES - (1 << 20);

  private StoredDocuments() {}

  /**
   * Checks that {@code doc}, holding {@code jsonBytes} bytes of JSON beside small fields, fits one
   * MongoDB document: measured exactly once the JSON comes within 1 MiB of the limit. The JSON
   * checks ({@link dev.fabula.spi.EventLimits#checkStoredJson}) allow up to the limit itself, so a
   * value just under it passes them while its document, with its other fields, does not fit.
   *
   * @param what what the document keeps, for the message ("the snapshot of ...")
   * @throws IllegalArgumentException starting with {@code what} and naming MongoDB's limit when
   *     the document would exceed it (the type the JSON checks throw)
   */
  static void checkSize(String what, int jsonBytes, BsonDocument doc) {
    if (jsonBytes <= MEASURE_ABOVE) {
      return;
    }
    int size = new RawBsonDocument(doc, new BsonDocumentCodec()).getByteBuffer().remaining();
    if (size > EventLayout.MAX_DOCUMENT_BYTES) {
      throw new IllegalArgumentException(
          what + " takes " + size + " bytes stored as one MongoDB document, more than MongoDB's limit of "
              + EventLayout.MAX_DOCUMENT_BYTES + " bytes per document (its JSON is " + jsonBytes + " bytes)");
    }
  }

  /**
   * Replaces the document with {@code doc}'s {@code _id} by {@code doc}, inserting it when there is
   * none: last writer wins.
   *
   * @throws MongoException as the driver throws it; the caller translates it
   */
  static void upsert(MongoCollection<BsonDocument> collection, BsonDocument doc) {
    var byId = Filters.eq("_id", doc.get("_id"));
    try {
      collection.replaceOne(byId, doc, new ReplaceOptions().upsert(true));
    } catch (MongoException e) {
      if (!MongoErrors.duplicateKey(e)) {
        throw e;
      }
      // Two upserts of one new _id raced and this one lost the insert: the document exists now,
      // so the same replace matches it (last writer wins, as a save promises).
      collection.replaceOne(byId, doc, new ReplaceOptions().upsert(true));
    }
  }
}
