package dev.fabula.bench.domain;

/**
 * A product's price changed.
 *
 * @param price the new price in cents
 */
public record PriceChanged(long price) {
}
