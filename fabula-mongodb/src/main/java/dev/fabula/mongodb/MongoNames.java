package dev.fabula.mongodb;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * MongoDB's rules for database and collection names, checked before a name reaches the server
 * (https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions).
 */
final class MongoNames {
  /** Bytes of UTF-8 a database name may have. */
  static final int MAX_DATABASE_BYTES = 63;

  /** Bytes of UTF-8 a namespace ({@code database.collection}) may have on MongoDB 4.4 and later. */
  static final int MAX_NAMESPACE_BYTES = 255;

  /** Characters no database name may hold, on any platform MongoDB runs on. */
  private static final String DATABASE_FORBIDDEN = "/\\. \"$*<>:|?";

  private MongoNames() {}

  /** @throws MongoNameException when MongoDB does not allow {@code name} for a database */
  static void requireDatabase(String name) {
    Objects.requireNonNull(name, "name");
    String why = null;
    if (name.isEmpty()) {
      why = "it is empty";
    } else if (name.indexOf('\0') >= 0) {
      why = "it holds a NUL character";
    } else if (name.getBytes(StandardCharsets.UTF_8).length > MAX_DATABASE_BYTES) {
      why = "it is longer than " + MAX_DATABASE_BYTES + " bytes of UTF-8";
    } else {
      for (int i = 0; i < name.length() && why == null; i++) {
        char c = name.charAt(i);
        if (DATABASE_FORBIDDEN.indexOf(c) >= 0) {
          why = "it holds '" + c + "', which database names may not hold (any of " + DATABASE_FORBIDDEN + " or a space)";
        }
      }
    }
    if (why != null) {
      throw new MongoNameException("database", name, why);
    }
  }

  /** @throws MongoNameException when MongoDB does not allow {@code name} for a collection */
  static void requireCollection(String name) {
    Objects.requireNonNull(name, "name");
    String why = null;
    if (name.isEmpty()) {
      why = "it is empty";
    } else if (name.indexOf('\0') >= 0) {
      why = "it holds a NUL character";
    } else if (name.indexOf('$') >= 0) {
      why = "it holds '$', which MongoDB reserves";
    } else if (name.startsWith("system.")) {
      why = "names starting with 'system.' are reserved for MongoDB";
    } else if (name.startsWith(".") || name.endsWith(".")) {
      why = "it starts or ends with '.'";
    } else if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAMESPACE_BYTES - MAX_DATABASE_BYTES - 1) {
      why = "it is longer than " + (MAX_NAMESPACE_BYTES - MAX_DATABASE_BYTES - 1)
          + " bytes of UTF-8, so the namespace could exceed MongoDB's limit of " + MAX_NAMESPACE_BYTES;
    }
    if (why != null) {
      throw new MongoNameException("collection", name, why);
    }
  }
}
