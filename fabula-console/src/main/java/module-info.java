/**
 * Fabula's web console: pages and a JSON API over an application's event store, aggregates and
 * projection schedules, served by Jetty. Exports {@code dev.fabula.console}.
 */
module dev.fabula.console {
  // ConsoleOptions takes core's types; Console.handler returns a Jetty Handler.
  requires transitive dev.fabula.core;
  requires transitive org.eclipse.jetty.server;
  requires dev.fabula.jackson;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.core;

  exports dev.fabula.console;
}
