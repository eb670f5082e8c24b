/**
 * The web console: {@link dev.fabula.console.Console#start} serves it on a port of its own, {@link
 * dev.fabula.console.Console#handler} mounts it into an application's Jetty server; both are
 * configured by {@link dev.fabula.console.ConsoleOptions}. The pages render from a JSON API
 * (docs/CONSOLE-API.md) that scripts and the command-line tool may use too.
 */
@NullMarked
package dev.fabula.console;

import org.jspecify.annotations.NullMarked;
