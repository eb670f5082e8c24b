/**
 * Fabula's conformance kit: the abstract JUnit suites every backend's tests extend. Exports its
 * suite packages, and opens them to JUnit, which runs the inherited test methods reflectively.
 */
module dev.fabula.tck {
  // The suites are public abstract JUnit classes over core's interfaces.
  requires transitive dev.fabula.core;
  requires transitive org.junit.jupiter.api;
  requires org.assertj.core;

  exports dev.fabula.tck;
  exports dev.fabula.tck.command;
  exports dev.fabula.tck.event;
  exports dev.fabula.tck.projection;
  exports dev.fabula.tck.readmodel;
  exports dev.fabula.tck.snapshot;

  // TckData's records are encoded by the codec of the backend under test (Jackson, say).
  opens dev.fabula.tck to com.fasterxml.jackson.databind;
  opens dev.fabula.tck.command to org.junit.platform.commons;
  opens dev.fabula.tck.event to org.junit.platform.commons;
  opens dev.fabula.tck.projection to org.junit.platform.commons;
  opens dev.fabula.tck.readmodel to org.junit.platform.commons;
  opens dev.fabula.tck.snapshot to org.junit.platform.commons;
}
