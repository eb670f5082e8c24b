/**
 * The benchmark domain shared by every side: a product aggregate whose events are
 * {@link dev.fabula.bench.domain.ProductCreated} and {@link dev.fabula.bench.domain.PriceChanged}.
 * Each side (Fabula, Axon) writes its own aggregate class over these same events.
 */
package dev.fabula.bench.domain;
