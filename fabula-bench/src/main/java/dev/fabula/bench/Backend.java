package dev.fabula.bench;

import java.util.Locale;

/** Where a side keeps its events during a benchmark. */
public enum Backend {
    /** The side's in-memory event store. */
    MEMORY,
    /** PostgreSQL, reached through {@link BenchDatabase#url()}. */
    POSTGRES;

    /**
     * Parses the value of a JMH {@code backend} parameter.
     *
     * @param name {@code "memory"} or {@code "postgres"}
     * @return the backend
     */
    public static Backend parse(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
