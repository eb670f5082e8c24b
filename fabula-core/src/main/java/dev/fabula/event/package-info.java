/**
 * Events and where they go: {@link dev.fabula.event.Event}, the {@link
 * dev.fabula.event.EventStore} with its {@link dev.fabula.event.EventQuery} builder, and the
 * {@link dev.fabula.event.EventBus}. Implementations live elsewhere: {@code dev.fabula.memory} for
 * the in-memory defaults, and one module per persistent backend.
 */
@NullMarked
package dev.fabula.event;

import org.jspecify.annotations.NullMarked;
