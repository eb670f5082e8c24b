package dev.fabula.mongodb;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoSocketOpenException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.MongoOperationTimeoutException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.WriteError;
import com.mongodb.client.MongoClient;
import com.mongodb.ServerAddress;
import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;

/**
 * The driver's exceptions as Fabula's: which unique index a duplicate key hit, whether a failure
 * is the connection's (transient) or the server's refusal, and a closed client.
 */
final class MongoErrors {
  /** "... index: fabula_event_id dup key: ..." in a duplicate-key message (MongoDB and the in-process server). */
  private static final Pattern INDEX_NAME = Pattern.compile("index: (\\S+) dup key");

  private MongoErrors() {}

  /**
   * The unique index a duplicate-key write error hit, as the name of its first key field ({@code
   * _id}, {@code e.i}, {@code k}), or null when {@code error} is no duplicate key. Reads the
   * error's {@code keyPattern} detail when the server sends one (MongoDB 4.4 and later), else the
   * index name in its message, mapped through {@code indexFields} (index name to key field).
   */
  static @Nullable String duplicateKeyField(WriteError error, java.util.Map<String, String> indexFields) {
    if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY) {
      return null;
    }
    BsonDocument details = error.getDetails();
    BsonValue pattern = details.get("keyPattern");
    if (pattern != null && pattern.isDocument() && !pattern.asDocument().isEmpty()) {
      return pattern.asDocument().getFirstKey();
    }
    String message = String.valueOf(error.getMessage());
    Matcher m = INDEX_NAME.matcher(message);
    if (m.find()) {
      String index = m.group(1);
      if (index.equals("_id_")) {
        return EventLayout.SEQ;
      }
      String field = indexFields.get(index);
      if (field != null) {
        return field;
      }
      // "index: <collection>.$<name>" in old servers' messages
      int dollar = index.lastIndexOf('$');
      if (dollar >= 0) {
        String name = index.substring(dollar + 1);
        return name.equals("_id_") ? EventLayout.SEQ : indexFields.getOrDefault(name, name);
      }
      return index;
    }
    return "";
  }

  /** The write error of a failed single-document write, or null. */
  static @Nullable WriteError writeError(MongoException e) {
    if (e instanceof MongoWriteException w) {
      return w.getError();
    }
    if (e instanceof MongoBulkWriteException b && !b.getWriteErrors().isEmpty()) {
      var first = b.getWriteErrors().get(0);
      return new WriteError(first.getCode(), first.getMessage(), first.getDetails());
    }
    return null;
  }

  /** Whether {@code e} says nothing reached the server: no server found, no connection opened. */
  static boolean neverSent(MongoException e) {
    return e instanceof MongoTimeoutException || e instanceof MongoSocketOpenException;
  }

  /** Whether {@code e} is the connection's: the server may or may not have run the command. */
  static boolean connection(MongoException e) {
    return e instanceof MongoSocketException
        || e instanceof MongoTimeoutException
        || e instanceof MongoOperationTimeoutException
        || e instanceof MongoNotPrimaryException
        || e instanceof MongoNodeIsRecoveringException;
  }

  /** The servers of {@code client} as {@code host:port}, for messages. */
  static String servers(MongoClient client) {
    try {
      return client.getClusterDescription().getClusterSettings().getHosts().stream()
          .map(ServerAddress::toString)
          .collect(Collectors.joining(","));
    } catch (RuntimeException e) {
      return "an unknown server";
    }
  }

  /**
   * {@code e} as Fabula's exception: {@link MongoConnectionException} for the connection's
   * failures, {@link ClosedException} for a closed client, else {@link MongoStoreException} with
   * the server's code.
   */
  static FabulaException translate(RuntimeException e, String doing, String servers) {
    if (e instanceof FabulaException f) {
      return f;
    }
    if (e instanceof MongoException m) {
      if (connection(m)) {
        return new MongoConnectionException(servers, doing + " failed", m);
      }
      return new MongoStoreException(doing + " failed (MongoDB at " + servers + ")", m.getCode(), m);
    }
    if (closedClient(e)) {
      return new ClosedException("MongoClient the store was given (" + doing + ")");
    }
    return new MongoStoreException(doing + " failed (MongoDB at " + servers + ")", 0, e);
  }

  /** Whether {@code e} is the driver refusing a closed client ("state should be: open"). */
  static boolean closedClient(RuntimeException e) {
    return e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("state should be: open");
  }
}
