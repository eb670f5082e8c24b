/**
 * Given/when/then fixtures for application authors' tests of aggregates, command handlers and
 * projections. Exports {@code dev.fabula.testing}.
 */
module dev.fabula.testing {
  // The fixtures take and return core's types.
  requires transitive dev.fabula.core;

  exports dev.fabula.testing;
}
