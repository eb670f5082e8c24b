/**
 * Fabula: event sourcing and CQRS for Java 21+.
 *
 * <p>The API lives in the sub-packages: {@link dev.fabula.event} (events, the event store and the
 * event bus), {@link dev.fabula.codec} (names to Java types), {@link dev.fabula.aggregate},
 * {@link dev.fabula.repository} and {@link dev.fabula.snapshot}. {@link dev.fabula.memory} holds
 * the in-memory implementations that need no set-up. This package holds the exception base types
 * shared by all of them.
 */
@NullMarked
package dev.fabula;

import org.jspecify.annotations.NullMarked;
