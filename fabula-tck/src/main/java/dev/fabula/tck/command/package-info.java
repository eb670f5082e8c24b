/**
 * The conformance suite for distributed {@link dev.fabula.command.CommandBus}es: extend {@link
 * dev.fabula.tck.command.CommandBusConformance} with a transport that gives several buses one
 * shared event bus.
 */
@NullMarked
package dev.fabula.tck.command;

import org.jspecify.annotations.NullMarked;
