package dev.fabula.mongodb;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoOperationTimeoutException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import java.util.stream.Collectors;

/**
 * The driver's exceptions as Fabula's: a broken or absent connection is a {@link
 * MongoConnectionException} (transient), a closed client a {@link ClosedException}, anything else
 * a {@link MongoStoreException} with the server's code.
 */
final class MongoErrors {
  private MongoErrors() {}

  /** Whether {@code e} is the connection's: the server may or may not have run the command. */
  static boolean connection(MongoException e) {
    return e instanceof MongoSocketException
        || e instanceof MongoTimeoutException
        || e instanceof MongoOperationTimeoutException
        || e instanceof MongoNotPrimaryException
        || e instanceof MongoNodeIsRecoveringException;
  }

  /** Whether {@code e} is a single-document write refused for a duplicate key. */
  static boolean duplicateKey(MongoException e) {
    return e instanceof MongoWriteException w
        && ErrorCategory.fromErrorCode(w.getError().getCode()) == ErrorCategory.DUPLICATE_KEY;
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
   * {@code e}, thrown while {@code doing}, as Fabula's exception: {@link MongoConnectionException}
   * for the connection's failures, {@link ClosedException} for a closed client, else {@link
   * MongoStoreException} with the server's code.
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
    return e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("open");
  }
}
