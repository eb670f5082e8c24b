/**
 * Fabula's event buses on NATS, through the official client jnats: core NATS (at most once) and
 * JetStream (at least once, durable). Exports {@code dev.fabula.nats}; reads {@code
 * dev.fabula.spi} of core, which is exported to it as a backend.
 */
module dev.fabula.nats {
  // The factories take and return core's types and, optionally, a jnats Connection.
  requires transitive dev.fabula.core;
  requires transitive io.nats.jnats;

  exports dev.fabula.nats;
}
