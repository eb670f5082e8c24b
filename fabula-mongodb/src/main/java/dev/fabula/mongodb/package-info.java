/**
 * The MongoDB backend: {@link dev.fabula.mongodb.MongoDb} makes the stores from a {@code
 * MongoClient} (or a connection string), {@link dev.fabula.mongodb.MongoOptions} names the
 * database and collections. Everything else in the package is implementation.
 *
 * <p>No replica set is needed: a batch of events is one document, so one write stores all of it
 * or nothing (ADR 0019 gives the layout and the proof that catch-up by position is gap-safe).
 */
@NullMarked
package dev.fabula.mongodb;

import org.jspecify.annotations.NullMarked;
