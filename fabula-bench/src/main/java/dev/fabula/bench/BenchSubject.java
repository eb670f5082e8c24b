package dev.fabula.bench;

import java.util.UUID;

/**
 * One side of the comparison (Fabula or Axon) on one {@link Backend}. The benchmarks only talk
 * to this interface, so both sides run the same workload with the same aggregate, the same
 * events and the same counts.
 *
 * <p>The aggregate is a product: {@code ProductCreated(name, price)} starts a stream and every
 * command that changes the price raises one {@code PriceChanged(price)}. Every write goes
 * through the side's aggregate and command handling (load, raise, save), not straight to the
 * store, except where a method says otherwise.
 *
 * <p>A side that cannot run a method yet throws {@link UnsupportedOperationException}; the
 * harness then reports that cell as "n/a" instead of a number. Methods may be called from
 * several threads at once (the concurrent-writer workloads) and must be thread-safe.
 */
public interface BenchSubject extends AutoCloseable {

    /**
     * Removes every event, snapshot and projection state of this side, leaving an empty store
     * ready for the next workload (for PostgreSQL: drop and recreate this side's schema).
     * Called at the start of every trial, and per iteration where a benchmark says so.
     */
    void reset();

    /**
     * Creates a product: one command, one {@code ProductCreated} event.
     *
     * @param id    the new aggregate's id
     * @param name  the product name
     * @param price the price in cents
     */
    void create(UUID id, String name, long price);

    /**
     * One command on an existing product that loads it, raises one {@code PriceChanged} and
     * saves it (one transaction on PostgreSQL).
     *
     * @param id    an existing product
     * @param price the new price
     * @return the price the aggregate holds after the command (the command's result)
     */
    long appendOne(UUID id, long price);

    /**
     * The command round trip: dispatches the change-price command through the side's command
     * bus or gateway in this process and waits for its result. Same work as {@link #appendOne}
     * where a side has only one way to run a command.
     *
     * @param id    an existing product
     * @param price the new price
     * @return the command's result: the price the aggregate holds after it
     */
    long roundTrip(UUID id, long price);

    /**
     * One attempt of {@link #appendOne} on an aggregate that other threads write too. On an
     * optimistic concurrency conflict nothing is stored: the side pauses as its repository's
     * retry policy would before attempt {@code streak + 1}, and returns false so the caller
     * counts the conflict and tries again. One attempt per call keeps every benchmark invocation
     * short, which JMH's per-thread throughput windows need (a retry loop inside one call can
     * run for seconds under contention and skews them).
     *
     * @param id     an existing product, shared between threads
     * @param price  the new price
     * @param streak how many conflicts in a row this caller had before, plus this attempt
     * @return true when the event was committed, false on a conflict
     */
    boolean appendOneAttempt(UUID id, long price, int streak);

    /** How many "processes" {@link #appendOneAttemptIn} writes through. */
    int PROCESSES = 2;

    /**
     * One attempt of {@link #appendOne} through the command side of one of {@link #PROCESSES}
     * "processes" that write the same aggregate: each has its own repository (and cache, when
     * caching is on), its own command handling and, on PostgreSQL, its own event store over the
     * shared tables, so they coordinate through the store only, as two processes would. Within a
     * process the side keeps its in-process coordination, except where a side's own turn-taking
     * is what two processes cannot share: Fabula's repositories run with {@code takeTurns(false)}.
     * On a conflict nothing is stored and the method returns false at once, without a pause: the
     * caller retries immediately.
     *
     * @param process which process, {@code 0} to {@code PROCESSES - 1}
     * @param id      an existing product, shared between threads
     * @param price   the new price
     * @return true when the event was committed, false on a conflict
     */
    boolean appendOneAttemptIn(int process, UUID id, long price);

    /**
     * One command that creates a product and raises {@code events} events at once:
     * {@code ProductCreated} followed by {@code events - 1} {@code PriceChanged}, saved together
     * (one transaction on PostgreSQL).
     *
     * @param id     the new aggregate's id
     * @param events how many events the command raises, at least 1
     */
    void appendBatch(UUID id, int events);

    /**
     * Loads (rehydrates) the product from its events, using its latest snapshot if it has one.
     *
     * @param id an existing product
     * @return the price the loaded aggregate holds
     */
    long rehydrate(UUID id);

    /**
     * Takes a snapshot of the product at its current version, the way this side takes
     * snapshots in production, so that a following {@link #rehydrate} starts from it.
     *
     * @param id an existing product
     */
    void snapshot(UUID id);

    /**
     * Replays every event of the store from the beginning into a counting projection (one that
     * counts products and price changes, so each event is decoded) and returns when it has
     * seen {@code expected} events.
     *
     * @param expected the number of events in the store
     * @return the number of events the projection counted
     */
    long replayCount(long expected);

    /**
     * Releases pools, threads and connections. Does not need to drop data: {@link #reset} and
     * the benchmark's tear-down do.
     */
    @Override
    void close();
}
