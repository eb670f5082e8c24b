package dev.fabula.telemetry;

import dev.fabula.event.Metadata;
import org.jspecify.annotations.Nullable;

/**
 * One observed {@link Operation}, from its {@linkplain Instrumentation#start start} to its {@link
 * #end}. A decorator calls {@link #end} exactly once, from any thread; the other methods before
 * it.
 */
public interface Observation {
  /**
   * {@code metadata} with what carries this observation to whoever receives the message it
   * sends (the trace context, for tracing); {@code metadata} itself when there is nothing to add.
   */
  default Metadata propagate(Metadata metadata) {
    return metadata;
  }

  /**
   * Makes this observation the parent of what the current thread does until the returned scope
   * is closed (for tracing: the current span).
   */
  default Scope makeCurrent() {
    return Scope.NONE;
  }

  /**
   * Records how many items the operation produced: the events a {@linkplain Operation.Load load}
   * read, 1 or 0 for a {@linkplain Operation.SnapshotLoad snapshot lookup}'s hit or miss.
   */
  default void count(long items) {}

  /**
   * Ends the observation.
   *
   * @param failure what the operation threw, or {@code null} when it succeeded
   */
  void end(@Nullable Throwable failure);

  /** What {@link #makeCurrent()} returns: closing it restores what was current before. */
  interface Scope extends AutoCloseable {
    /** A scope that changed nothing. */
    Scope NONE = () -> {};

    /** Restores what was current before; does not throw. */
    @Override
    void close();
  }
}
