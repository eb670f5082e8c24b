/**
 * Fabula's side of the benchmarks, {@link dev.fabula.bench.fabula.FabulaSubject}: a stub until
 * it is wired to Fabula's API.
 */
package dev.fabula.bench.fabula;
