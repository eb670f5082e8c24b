package dev.fabula.readmodel;

import dev.fabula.FabulaException;

/**
 * A stored read model no longer decodes into its registered type (the type changed since it was
 * stored, or the stored data was edited into another shape). Nothing is changed by the call that
 * threw it; saving a new model under the id, or deleting it, replaces the undecodable one.
 */
public final class ReadModelDecodingException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final String id;

  /**
   * @param name the read models' name ({@link ReadModelOptions#name()})
   * @param id the model's id, in its string form
   * @param cause why decoding failed
   */
  public ReadModelDecodingException(String name, String id, Throwable cause) {
    super("cannot decode the " + name + " read model " + id + ": " + cause.getMessage(), cause);
    this.name = name;
    this.id = id;
  }

  /** The read models' name. */
  public String name() {
    return name;
  }

  /** The model's id, in its string form. */
  public String id() {
    return id;
  }
}
