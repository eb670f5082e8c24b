package dev.fabula.readmodel;

import dev.fabula.TransientException;

/**
 * {@link ReadModelRepository#use} lost to concurrent writers of the same model on every attempt it
 * was allowed. Transient: nothing was stored by this call, and calling it again may succeed.
 */
public final class ReadModelConflictException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final String id;
  private final int attempts;

  /**
   * @param name the read models' name
   * @param id the model's id, in its string form
   * @param attempts how many attempts were made
   */
  public ReadModelConflictException(String name, String id, int attempts) {
    super("the " + name + " read model " + id + " was changed by another writer during each of "
        + attempts + " attempts; nothing was stored");
    this.name = name;
    this.id = id;
    this.attempts = attempts;
  }

  /** The read models' name. */
  public String name() {
    return name;
  }

  /** The model's id, in its string form. */
  public String id() {
    return id;
  }

  /** How many attempts were made. */
  public int attempts() {
    return attempts;
  }
}
