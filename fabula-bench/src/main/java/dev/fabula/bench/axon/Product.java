package dev.fabula.bench.axon;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import dev.fabula.bench.axon.ProductCommands.ChangePrice;
import dev.fabula.bench.axon.ProductCommands.CreateProduct;
import dev.fabula.bench.axon.ProductCommands.ImportProduct;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.SourceId;
import org.axonframework.modelling.command.AggregateIdentifier;

/**
 * The product aggregate written the way Axon Framework 4 documents event-sourced aggregates:
 * command handlers decide and {@code apply} events, {@code @EventSourcingHandler}s change
 * state. Its fields are plain so Jackson can write and read it as a snapshot.
 */
class Product {

    @AggregateIdentifier
    private String id;
    private String name;
    private long price;

    /** For Axon's aggregate factory and for Jackson (snapshots). */
    Product() {
    }

    @CommandHandler
    Product(CreateProduct command) {
        this.id = command.id();
        apply(new ProductCreated(command.name(), command.price()));
    }

    @CommandHandler
    Product(ImportProduct command) {
        this.id = command.id();
        apply(new ProductCreated("product " + command.id(), 100));
        for (int i = 1; i < command.events(); i++) {
            apply(new PriceChanged(100 + i));
        }
    }

    @CommandHandler
    long handle(ChangePrice command) {
        apply(new PriceChanged(command.price()));
        return price;
    }

    @EventSourcingHandler
    void on(ProductCreated event, @SourceId String aggregateId) {
        this.id = aggregateId;
        this.name = event.name();
        this.price = event.price();
    }

    @EventSourcingHandler
    void on(PriceChanged event) {
        this.price = event.price();
    }

    long price() {
        return price;
    }

    String name() {
        return name;
    }
}
