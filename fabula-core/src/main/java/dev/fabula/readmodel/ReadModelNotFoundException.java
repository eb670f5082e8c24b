package dev.fabula.readmodel;

import dev.fabula.FabulaException;

/** No read model is stored under the id, and the repository has no factory to make one. */
public final class ReadModelNotFoundException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final String id;

  /**
   * @param name the read models' name ({@link ReadModelOptions#name()})
   * @param id the id asked for, in its string form
   */
  public ReadModelNotFoundException(String name, String id) {
    super("no " + name + " read model is stored with id " + id + " (and the repository has no factory)");
    this.name = name;
    this.id = id;
  }

  /** The read models' name. */
  public String name() {
    return name;
  }

  /** The id asked for, in its string form. */
  public String id() {
    return id;
  }
}
