package dev.fabula.bench.fabula;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import java.util.UUID;

/**
 * The product aggregate written the way Fabula documents aggregates: appliers registered per
 * event name with {@code on} in the constructor, domain methods that {@code raise} events. The
 * same events and the same commands as Axon's {@code dev.fabula.bench.axon.Product}.
 */
final class Product extends AggregateRoot implements Snapshotting<Product.State> {

    /** The aggregate name the events are stored under. */
    static final String NAME = "product";
    /** Event name of {@link ProductCreated}. */
    static final String CREATED = "ProductCreated";
    /** Event name of {@link PriceChanged}. */
    static final String PRICE_CHANGED = "PriceChanged";

    /**
     * The snapshot state.
     *
     * @param name  the product's name
     * @param price the price in cents
     */
    record State(String name, long price) {
    }

    private String name = "";
    private long price;

    /**
     * A fresh product, before any event (the repository's factory).
     *
     * @param id the product's id
     */
    Product(UUID id) {
        super(NAME, id);
        on(CREATED, ProductCreated.class, e -> {
            name = e.name();
            price = e.price();
        });
        on(PRICE_CHANGED, PriceChanged.class, e -> price = e.price());
    }

    /** Command: create the product. */
    void create(String productName, long initialPrice) {
        if (version() != 0) {
            throw new IllegalStateException("product " + id() + " already exists");
        }
        raise(CREATED, new ProductCreated(productName, initialPrice));
    }

    /** Command: import a product with its history, {@code events} events in all (at least 1). */
    void importWith(int events) {
        create("product " + id(), 100);
        for (int i = 1; i < events; i++) {
            raise(PRICE_CHANGED, new PriceChanged(100 + i));
        }
    }

    /** Command: change the price; returns the price after it, like Axon's handler. */
    long changePrice(long newPrice) {
        if (version() == 0) {
            throw new IllegalStateException("product " + id() + " does not exist");
        }
        raise(PRICE_CHANGED, new PriceChanged(newPrice));
        return price;
    }

    long price() {
        return price;
    }

    String productName() {
        return name;
    }

    @Override
    public State snapshotState() {
        return new State(name, price);
    }

    @Override
    public void restoreSnapshotState(State state) {
        name = state.name();
        price = state.price();
    }
}
