package dev.fabula.bench.domain;

/**
 * A trigger of the workflow benchmarks: the workflow (or tally aggregate) keyed {@code key} is
 * told {@code n}.
 *
 * @param key the business key the workflow is correlated by
 * @param n   a number: the tick's sequence number, or a due time in epoch microseconds
 */
public record Tick(String key, long n) {
}
