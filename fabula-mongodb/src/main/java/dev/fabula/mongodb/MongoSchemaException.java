package dev.fabula.mongodb;

import dev.fabula.FabulaException;

/**
 * A collection's indexes are not what Fabula needs (missing under {@link
 * MongoOptions.IndexPolicy#VALIDATE}, or present with other keys or options), so the store cannot
 * keep its promises on it. The message names the collection and the index and says how to create
 * it.
 */
public final class MongoSchemaException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** @param message what is wrong and how to fix it */
  public MongoSchemaException(String message) {
    super(message);
  }
}
