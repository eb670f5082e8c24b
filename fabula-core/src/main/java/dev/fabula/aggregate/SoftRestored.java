package dev.fabula.aggregate;

/**
 * Marks event data whose event restores a {@linkplain SoftDeleted soft-deleted} aggregate. Load the
 * deleted aggregate with the repository's {@code fetchIncludingDeleted}, raise such an event and
 * save.
 */
public interface SoftRestored {}
