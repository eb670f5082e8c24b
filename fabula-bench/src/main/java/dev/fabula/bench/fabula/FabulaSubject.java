package dev.fabula.bench.fabula;

import dev.fabula.bench.Backend;
import dev.fabula.bench.BenchDatabase;
import dev.fabula.bench.BenchSubject;
import java.util.UUID;

/**
 * Fabula's side of the comparison. Not wired yet: every method throws
 * {@link UnsupportedOperationException}, and the harness reports "n/a" for Fabula.
 *
 * <p>To wire it, implement each method with Fabula's public API on the given {@link Backend}:
 * the in-memory event store for {@link Backend#MEMORY}, and for {@link Backend#POSTGRES} the
 * PostgreSQL event store on {@link BenchDatabase#url()} in the schema {@link #SCHEMA}, with a
 * HikariCP pool like the Axon side. Use the events in {@code dev.fabula.bench.domain}. Read the
 * contract of each method in {@link BenchSubject}; {@code dev.fabula.bench.axon.AxonSubject}
 * is the reference for what each one does.
 */
public final class FabulaSubject implements BenchSubject {

    /** The PostgreSQL schema Fabula's tables live in during benchmarks. */
    public static final String SCHEMA = "bench_fabula";

    private static final String NOT_WIRED = "Fabula side not wired yet";

    private final Backend backend;

    /**
     * Creates the subject for a backend.
     *
     * @param backend where the events are kept
     */
    public FabulaSubject(Backend backend) {
        this.backend = backend;
    }

    /**
     * The backend this subject was created for.
     *
     * @return the backend
     */
    public Backend backend() {
        return backend;
    }

    @Override
    public void reset() {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public void create(UUID id, String name, long price) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public long appendOne(UUID id, long price) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public long roundTrip(UUID id, long price) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public int appendOneRetrying(UUID id, long price) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public void appendBatch(UUID id, int events) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public long rehydrate(UUID id) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public void snapshot(UUID id) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public long replayCount(long expected) {
        throw new UnsupportedOperationException(NOT_WIRED);
    }

    @Override
    public void close() {
        // nothing opened yet
    }
}
