package dev.fabula.bench.domain;

/**
 * First event of every product stream: the product was created with a name and a price.
 *
 * @param name  the product's name
 * @param price the price in cents
 */
public record ProductCreated(String name, long price) {
}
