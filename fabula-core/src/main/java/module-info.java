/**
 * Fabula's API and its in-memory defaults: events, commands, aggregates, repositories,
 * projections, snapshots, workflows and codecs, each a package that is exported to everyone.
 *
 * <p>{@code dev.fabula.spi} holds what Fabula's own modules share and applications must not use
 * (store limits, the aggregate accessor, the command protocol's wire records, the id generator):
 * it is exported only to those modules, and opened to Jackson so that a networked bus can encode
 * the wire records (on the module path, only Jackson can: ADR 0016). A new backend module is added
 * to that list.
 */
module dev.fabula.core {
  // Nullness annotations on the API: readable by every module that reads this one when it
  // compiles, and not needed at run time.
  requires static transitive org.jspecify;

  exports dev.fabula;
  exports dev.fabula.aggregate;
  exports dev.fabula.codec;
  exports dev.fabula.command;
  exports dev.fabula.event;
  exports dev.fabula.memory;
  exports dev.fabula.projection;
  exports dev.fabula.readmodel;
  exports dev.fabula.repository;
  exports dev.fabula.snapshot;
  exports dev.fabula.workflow;

  exports dev.fabula.spi to
      dev.fabula.console,
      dev.fabula.jackson,
      dev.fabula.mongodb,
      dev.fabula.nats,
      dev.fabula.postgres,
      dev.fabula.tck;

  // The command protocol's wire records are encoded and decoded by the codec of a networked
  // event bus; Jackson reads them reflectively.
  opens dev.fabula.spi to
      com.fasterxml.jackson.databind;
}
