/**
 * JMH benchmarks comparing Fabula with Axon Framework 4 and with raw JDBC on PostgreSQL. One
 * class per workload family; each side sits behind {@link dev.fabula.bench.BenchSubject}.
 * {@link dev.fabula.bench.BenchMain} runs them and {@link dev.fabula.bench.ResultTable} prints
 * the comparison. See {@code fabula-bench/README.md}.
 */
package dev.fabula.bench;
