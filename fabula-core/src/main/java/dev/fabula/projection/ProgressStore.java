package dev.fabula.projection;

import dev.fabula.spi.EventLimits;
import java.util.Objects;
import java.util.SortedMap;

/**
 * Keeps projection progress — the global position of the last event applied — by projection name,
 * for read models that do not keep it themselves (see {@link Projections#tracked}).
 *
 * <p>Promises every implementation keeps (checked by {@code ProgressStoreConformance} in {@code
 * fabula-tck}):
 *
 * <ul>
 *   <li>An unknown projection is at position {@code 0}.
 *   <li>{@link #advance} is a compare-and-set: it moves a projection from exactly {@code expected}
 *       to a greater {@code position}, atomically, or does nothing and returns {@code false}. So
 *       progress never goes backwards, and of two concurrent runners that read the same position
 *       only one can record the next — the other learns it lost.
 *   <li>{@link #reset} is the only way back to {@code 0}.
 *   <li>Implementations are thread-safe; after {@link #close()} every method throws {@link
 *       dev.fabula.ClosedException}.
 * </ul>
 *
 * <p>A backend whose read models live in the same database (PostgreSQL) can run {@code advance}
 * in the transaction that changed the read model, so data and progress commit together.
 */
public interface ProgressStore extends AutoCloseable {
  /**
   * The stored position of the projection, {@code 0} when none is stored.
   *
   * @throws IllegalArgumentException when the name is blank
   */
  long position(String projection);

  /**
   * Moves the projection from {@code expected} to {@code position} if it is at {@code expected}
   * now. When a persistent store's connection breaks during the advance (a {@link
   * dev.fabula.TransientException}), whether it moved is unknown: read the {@link #position} again
   * before going on (repeating an advance that did happen returns false).
   *
   * @return whether the position was moved
   * @throws IllegalArgumentException when the name is blank, {@code expected} is negative or
   *     {@code position} is not greater than {@code expected}
   */
  boolean advance(String projection, long expected, long position);

  /**
   * Sets the projection back to position {@code 0}.
   *
   * @throws IllegalArgumentException when the name is blank
   */
  void reset(String projection);

  /**
   * Every projection with a stored position, by name in ascending order, as it is now: for tools
   * that report progress without the application's schedules (the console over a store URL). A
   * projection {@link #reset} or never advanced is absent (or, where a backend keeps the row, at
   * {@code 0}). A snapshot: later advances do not change the map, which is unmodifiable.
   *
   * <p>The default throws {@link UnsupportedOperationException}, so implementations written before
   * this method keep compiling; the stores of Fabula's backends all list their projections.
   *
   * @throws UnsupportedOperationException when the store cannot list its projections
   */
  default SortedMap<String, Long> positions() {
    throw new UnsupportedOperationException(
        getClass().getName() + " cannot list its projections' positions");
  }

  /** Releases the store's resources. Idempotent. */
  @Override
  void close();

  /**
   * The argument rules of {@link #advance}, for implementations: a non-blank name, {@code
   * expected >= 0} and {@code position > expected}.
   *
   * @return the projection name
   * @throws IllegalArgumentException when a rule is broken
   */
  static String checkAdvance(String projection, long expected, long position) {
    checkName(projection);
    if (expected < 0) {
      throw new IllegalArgumentException("expected position must not be negative, got " + expected);
    }
    if (position <= expected) {
      throw new IllegalArgumentException(
          "progress only moves forward: " + position + " is not after " + expected);
    }
    return projection;
  }

  /**
   * The name rule of every method, for implementations: not blank, no NUL character (which no
   * database text column holds).
   *
   * @return the projection name
   * @throws IllegalArgumentException when the name is blank or holds a NUL character
   */
  static String checkName(String projection) {
    Objects.requireNonNull(projection, "projection");
    if (projection.isBlank()) {
      throw new IllegalArgumentException("projection name must not be blank");
    }
    EventLimits.checkText("projection name", projection);
    return projection;
  }
}
