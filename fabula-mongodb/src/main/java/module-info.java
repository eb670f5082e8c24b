/**
 * Fabula's event store, snapshot store, progress store and read-model repositories on MongoDB,
 * through the official synchronous driver. Needs no replica set. Exports {@code
 * dev.fabula.mongodb}; reads {@code dev.fabula.spi} of core, which is exported to it as a backend.
 */
module dev.fabula.mongodb {
  // The factories take and return core's types and a MongoClient.
  requires transitive dev.fabula.core;
  requires transitive org.mongodb.driver.sync.client;
  requires transitive org.mongodb.driver.core;
  requires transitive org.mongodb.bson;

  exports dev.fabula.mongodb;
}
