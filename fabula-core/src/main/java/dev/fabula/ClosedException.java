package dev.fabula;

/**
 * Thrown when a store, bus or other component is used after {@code close()}. Never transient: a
 * closed component stays closed.
 */
public final class ClosedException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String component;

  /**
   * @param component what was closed, e.g. {@code "event store"}
   */
  public ClosedException(String component) {
    super("The " + component + " is closed; create a new one instead of reusing it");
    this.component = component;
  }

  /** What was closed, e.g. {@code "event store"}. */
  public String component() {
    return component;
  }
}
