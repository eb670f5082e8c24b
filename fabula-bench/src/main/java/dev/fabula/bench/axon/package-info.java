/**
 * Axon Framework 4's side of the benchmarks: the Axon-style annotated product aggregate and
 * {@link dev.fabula.bench.axon.AxonSubject}, which assembles Axon without Spring or Axon Server.
 */
package dev.fabula.bench.axon;
