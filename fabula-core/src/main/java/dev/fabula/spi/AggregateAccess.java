package dev.fabula.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Lets the repository do to an aggregate what application code may not: mark its changes as
 * committed, position a fresh aggregate at a snapshot's version, and read the time of its last
 * event. The aggregate root class installs the one implementation from its class initialiser.
 *
 * <p>Generic in the aggregate type so that this package does not depend on {@code
 * dev.fabula.aggregate} (which depends on it): the caller names the root class, {@code
 * AggregateAccess.get(AggregateRoot.class)}.
 *
 * @param <A> the aggregate root type
 */
public abstract class AggregateAccess<A> {
  private static volatile @Nullable AggregateAccess<?> instance;

  private final Class<A> root;

  /** For the aggregate root class only, which passes itself. */
  protected AggregateAccess(Class<A> root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  /**
   * Called once by the aggregate root's class initialiser.
   *
   * @throws IllegalStateException when an accessor is installed already
   */
  public static void install(AggregateAccess<?> access) {
    Objects.requireNonNull(access, "access");
    synchronized (AggregateAccess.class) {
      if (instance != null) {
        throw new IllegalStateException("AggregateAccess is installed by AggregateRoot only");
      }
      instance = access;
    }
  }

  /**
   * The accessor for aggregates of {@code root}, initialising {@code root} first so that it has
   * installed itself.
   *
   * @throws IllegalStateException when {@code root} installs no accessor, or one for another type
   */
  @SuppressWarnings("unchecked") // checked: the installed accessor's root class is root
  public static <A> AggregateAccess<A> get(Class<A> root) {
    Objects.requireNonNull(root, "root");
    AggregateAccess<?> a = instance;
    if (a == null) {
      try {
        Class.forName(root.getName(), true, root.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      a = instance;
    }
    if (a == null || a.root != root) {
      throw new IllegalStateException(
          "no AggregateAccess for " + root.getName() + " (installed: "
              + (a == null ? "none" : a.root.getName()) + ")");
    }
    return (AggregateAccess<A>) a;
  }

  /** Clears the changes and makes the current version the committed one. */
  public abstract void markCommitted(A aggregate);

  /** Sets a fresh aggregate's version and last event time after its state was restored. */
  public abstract void restoredAt(A aggregate, int version, Instant time);

  /** The time of the last event applied to the aggregate ({@link Instant#MIN} before any). */
  public abstract Instant lastEventTime(A aggregate);
}
