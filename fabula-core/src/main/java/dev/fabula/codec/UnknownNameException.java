package dev.fabula.codec;

import dev.fabula.FabulaException;

/**
 * A name (of an event, command or snapshot) that the {@link CodecRegistry} does not know. Fabula
 * never guesses a type: only registered types are ever instantiated.
 */
public final class UnknownNameException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String name;

  /** @param name the unregistered name */
  public UnknownNameException(String name) {
    super(
        "No type is registered for the name '"
            + name
            + "'; register it with CodecRegistry.builder().register(\""
            + name
            + "\", YourType.class)");
    this.name = name;
  }

  /** The unregistered name. */
  public String name() {
    return name;
  }
}
