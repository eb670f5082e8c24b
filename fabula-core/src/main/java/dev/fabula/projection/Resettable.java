package dev.fabula.projection;

/**
 * A {@link Projection} that can be rebuilt from scratch: a {@linkplain TriggerOptions#reset()
 * reset trigger} calls {@link #reset()} and then applies every event again.
 */
public interface Resettable {
  /**
   * Clears the read model to its state before any event. A {@link ProgressAware} projection also
   * sets its progress to {@code 0} here, in the same step (for a database read model, in the same
   * transaction), so that the data and the position never disagree.
   */
  void reset();
}
