package dev.fabula.aggregate;

/**
 * An aggregate that can be captured as a snapshot and restored from one, so that fetching it
 * replays only the events after the snapshot. Register the state type in the codec registry with
 * {@link dev.fabula.codec.CodecRegistry.Builder#registerSnapshot} for persistent snapshot stores.
 *
 * @param <S> the snapshot state type; a record is best
 */
public interface Snapshotting<S> {
  /** The aggregate's current state, independent of the aggregate object. */
  S snapshotState();

  /**
   * Replaces the state with {@code state}; called on a fresh aggregate. A failure here makes the
   * repository ignore the snapshot and replay every event instead.
   */
  void restoreSnapshotState(S state);
}
