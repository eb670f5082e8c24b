package dev.fabula.bench;

import java.util.UUID;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * For workloads that send one command at a time to existing products: every iteration starts
 * from an empty store holding {@link #aggregates} products, and {@link #product(long)} goes
 * round-robin over them, so the streams grow by the same amount in every iteration.
 */
public abstract class ProductsState extends CommandState {

    /** How many products the commands are spread over. */
    @Param("1000")
    public int aggregates;

    private UUID[] ids;
    private long next;

    /** Empties the store and creates the products. */
    @Setup(Level.Iteration)
    public void fill() {
        subject.reset();
        ids = Sides.createProducts(subject, aggregates);
    }

    /** A running number, used as the next price. */
    protected long nextNumber() {
        return next++;
    }

    /** The product the command numbered {@code n} goes to. */
    protected UUID product(long n) {
        return ids[(int) (n % ids.length)];
    }
}
