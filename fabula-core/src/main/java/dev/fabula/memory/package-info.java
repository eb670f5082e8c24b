/**
 * The in-memory defaults, created through {@link dev.fabula.memory.InMemory}: zero set-up,
 * thread-safe, not durable.
 */
@NullMarked
package dev.fabula.memory;

import org.jspecify.annotations.NullMarked;
