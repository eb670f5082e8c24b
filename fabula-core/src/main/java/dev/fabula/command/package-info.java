/**
 * Commands: requests to change state, each executed by exactly one handler.
 *
 * <p>A {@link dev.fabula.command.Command} names what to do, carries a typed payload and optionally
 * the aggregate it targets. A {@link dev.fabula.command.CommandBus} delivers it to exactly one
 * registered {@link dev.fabula.command.CommandHandler}: within one JVM with {@link
 * dev.fabula.command.CommandBuses#inProcess}, or across any number of processes sharing an {@link
 * dev.fabula.event.EventBus} with {@link dev.fabula.command.CommandBuses#distributed}, which
 * coordinates through events of its own (ADR 0003; a networked event bus registers them with {@link
 * dev.fabula.command.CommandBuses#registerProtocol}). {@link
 * dev.fabula.command.AggregateCommands} lets an aggregate own its command handlers, running each
 * through {@link dev.fabula.repository.Repository#use}.
 *
 * <p>Dispatch is {@linkplain dev.fabula.command.DispatchOptions#async() asynchronous} (returns once
 * a handler accepted the command) or {@linkplain dev.fabula.command.DispatchOptions#sync()
 * synchronous} (returns when the handler finished, and rethrows its failure as a {@link
 * dev.fabula.command.CommandExecutionException}). Every wait is bounded.
 */
@NullMarked
package dev.fabula.command;

import org.jspecify.annotations.NullMarked;
