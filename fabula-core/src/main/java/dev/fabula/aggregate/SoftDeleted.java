package dev.fabula.aggregate;

/**
 * Marks event data whose event soft-deletes its aggregate: once applied, {@link
 * AggregateRoot#isDeleted()} is true and the repository's {@code fetch} and {@code use} refuse the
 * aggregate, while its events stay in the store. A later event whose data is {@link SoftRestored}
 * undoes it.
 */
public interface SoftDeleted {}
