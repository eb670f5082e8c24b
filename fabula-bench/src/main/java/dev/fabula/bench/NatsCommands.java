package dev.fabula.bench;

import dev.fabula.bench.BenchNats.ChangePrice;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.EventBus;
import dev.fabula.nats.Nats;
import io.nats.client.Connection;
import java.util.UUID;

/**
 * Two of Fabula's distributed command buses, each over a core NATS event bus on a connection of
 * its own, in this JVM: one dispatches change-price commands, the other handles them (its handler
 * only checks the payload, so what is measured is the bus). Commands go round-robin to
 * {@link #PRODUCTS} products, each its own aggregate.
 */
final class NatsCommands implements AutoCloseable {

    /** How many aggregates the commands go to. */
    static final int PRODUCTS = 100;

    private final Connection dispatching = BenchNats.connect("commands-dispatch");
    private final Connection handling = BenchNats.connect("commands-handle");
    private final EventBus dispatchEvents;
    private final EventBus handleEvents;
    private final CommandBus dispatcher;
    private final CommandBus handler;
    private final UUID[] products = new UUID[PRODUCTS];

    /**
     * Opens both buses under {@code names}' subject prefix and registers the handler.
     *
     * @param names the prefix the protocol's events are sent under
     */
    NatsCommands(BenchNats.Names names) {
        dispatchEvents = Nats.eventBus(BenchNats.CODEC, names.options(dispatching));
        handleEvents = Nats.eventBus(BenchNats.CODEC, names.options(handling));
        dispatcher = CommandBuses.distributed(dispatchEvents, BenchNats.CODEC);
        handler = CommandBuses.distributed(handleEvents, BenchNats.CODEC);
        handler.handle(BenchNats.CHANGE_PRICE, ChangePrice.class, c -> {
            if (c.payload().price() < 0) {
                throw new IllegalArgumentException("a price is never negative, got " + c.payload().price());
            }
        });
        for (int i = 0; i < PRODUCTS; i++) {
            products[i] = UUID.randomUUID();
        }
    }

    /**
     * Dispatches one change-price command synchronously and waits for its outcome.
     *
     * @param n the command's number: its price, and which product it goes to
     */
    void dispatch(long n) {
        dispatcher.dispatch(Command.create(BenchNats.CHANGE_PRICE, new ChangePrice(n))
                .forAggregate("product", products[(int) (n % PRODUCTS)]), DispatchOptions.sync());
    }

    @Override
    public void close() {
        dispatcher.close();
        handler.close();
        dispatchEvents.close();
        handleEvents.close();
        BenchNats.close(dispatching);
        BenchNats.close(handling);
    }
}
