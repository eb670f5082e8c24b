package dev.fabula.bench;

import dev.fabula.bench.axon.AxonSubject;
import dev.fabula.bench.fabula.FabulaSubject;
import java.util.UUID;

/** Creates the {@link BenchSubject} named by a JMH {@code side} parameter. */
final class Sides {

    /** The value of the {@code side} parameter for Fabula. */
    static final String FABULA = "fabula";
    /** The value of the {@code side} parameter for Axon Framework. */
    static final String AXON = "axon";

    private Sides() {
    }

    static BenchSubject open(String side, String backend, boolean cached) {
        Backend b = Backend.parse(backend);
        return switch (side) {
            case FABULA -> new FabulaSubject(b, cached);
            case AXON -> new AxonSubject(b, cached);
            default -> throw new IllegalArgumentException("unknown side " + side);
        };
    }

    /**
     * Creates {@code count} products through the subject, each with one event.
     *
     * @return their ids
     */
    static UUID[] createProducts(BenchSubject subject, int count) {
        UUID[] ids = new UUID[count];
        for (int i = 0; i < count; i++) {
            ids[i] = UUID.randomUUID();
            subject.create(ids[i], "product " + i, 1_000);
        }
        return ids;
    }

    /** Size of the commands that {@link #seed} writes with. */
    static final int SEED_BATCH = 1000;

    /**
     * Writes {@code total} events through the subject, as commands of {@link #SEED_BATCH}
     * events that each create a new product.
     */
    static void seed(BenchSubject subject, long total) {
        long left = total;
        while (left > 0) {
            int n = (int) Math.min(SEED_BATCH, left);
            subject.appendBatch(UUID.randomUUID(), n);
            left -= n;
        }
    }

    /**
     * Replays every event of {@code subject} into a counting projection and checks the count.
     *
     * @param subject the side
     * @param events  how many events the store holds
     * @return the count
     */
    static long replayAll(BenchSubject subject, long events) {
        long counted = subject.replayCount(events);
        if (counted != events) {
            throw new IllegalStateException("replayed " + counted + " of " + events + " events");
        }
        return counted;
    }
}
