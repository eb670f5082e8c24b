package dev.fabula.bench.axon;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** The commands of the Axon-side {@link Product} aggregate. */
final class ProductCommands {

    private ProductCommands() {
    }

    /**
     * Creates a product (one {@code ProductCreated}).
     *
     * @param id    the new aggregate's id
     * @param name  the product name
     * @param price the price in cents
     */
    record CreateProduct(String id, String name, long price) {
    }

    /**
     * Creates a product with a history: {@code ProductCreated} then {@code events - 1}
     * {@code PriceChanged}, all raised by this one command.
     *
     * @param id     the new aggregate's id
     * @param events how many events to raise, at least 1
     */
    record ImportProduct(String id, int events) {
    }

    /**
     * Changes the price of an existing product (one {@code PriceChanged}); its result is the
     * new price.
     *
     * @param id    the product
     * @param price the new price in cents
     */
    record ChangePrice(@TargetAggregateIdentifier String id, long price) {
    }
}
