package dev.fabula.bench.domain;

/**
 * The state of the benchmarks' workflow.
 *
 * @param n         the last tick's number
 * @param dueMicros when its timeout is due, in epoch microseconds
 */
public record Flow(long n, long dueMicros) {
}
