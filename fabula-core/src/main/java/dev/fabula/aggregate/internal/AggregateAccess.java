package dev.fabula.aggregate.internal;

import dev.fabula.aggregate.AggregateRoot;
import java.time.Instant;

/**
 * Backend SPI, not for application code: lets the repository mark an aggregate's changes as
 * committed and position a fresh aggregate at a snapshot's version, operations that {@link
 * AggregateRoot} does not offer publicly.
 */
public abstract class AggregateAccess {
  private static volatile AggregateAccess instance;

  /** For {@link AggregateRoot} only. */
  protected AggregateAccess() {}

  /** Called once by {@link AggregateRoot}'s class initialiser. */
  public static void install(AggregateAccess access) {
    if (instance != null) {
      throw new IllegalStateException("AggregateAccess is installed by AggregateRoot only");
    }
    instance = access;
  }

  /** The accessor. */
  public static AggregateAccess get() {
    AggregateAccess a = instance;
    if (a == null) {
      try {
        Class.forName(AggregateRoot.class.getName(), true, AggregateRoot.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      a = instance;
    }
    return a;
  }

  /** Clears the changes and makes the current version the committed one. */
  public abstract void markCommitted(AggregateRoot aggregate);

  /** Sets a fresh aggregate's version and last event time after its state was restored. */
  public abstract void restoredAt(AggregateRoot aggregate, int version, Instant time);

  /** The time of the last event applied to the aggregate ({@link Instant#MIN} before any). */
  public abstract Instant lastEventTime(AggregateRoot aggregate);
}
