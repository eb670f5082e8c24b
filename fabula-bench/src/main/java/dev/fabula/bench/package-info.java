/**
 * JMH benchmarks comparing Fabula with Axon Framework 4 and with raw JDBC on PostgreSQL, and
 * Fabula's NATS buses with the raw jnats client ({@link dev.fabula.bench.NatsBenchmark},
 * {@link dev.fabula.bench.RawNatsBenchmark}), and Fabula's MongoDB event store with the raw
 * MongoDB driver on an in-process server ({@link dev.fabula.bench.MongoBenchmark},
 * {@link dev.fabula.bench.RawMongoBenchmark}). One
 * class per workload family; the Fabula and Axon sides sit behind {@link dev.fabula.bench.BenchSubject}.
 * {@link dev.fabula.bench.BenchMain} runs them and {@link dev.fabula.bench.ResultTable} prints
 * the comparison. See {@code fabula-bench/README.md}.
 */
package dev.fabula.bench;
