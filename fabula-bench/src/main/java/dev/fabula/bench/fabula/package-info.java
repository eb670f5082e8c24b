/**
 * Fabula's side of the benchmarks: {@link dev.fabula.bench.fabula.FabulaSubject} over the
 * in-memory backend (PostgreSQL not wired yet) and its {@code Product} aggregate.
 */
package dev.fabula.bench.fabula;
