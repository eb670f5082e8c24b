package dev.fabula.nats;

import dev.fabula.FabulaException;

/**
 * Thrown when the JetStream stream the bus is to use exists with a setting the bus cannot work
 * with and must not change on its own (its retention or storage differs from the bus options).
 * Names the stream, the setting, and both values; change the stream or the options to agree.
 */
public final class StreamMismatchException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /**
   * @param stream the stream's name
   * @param setting the setting that differs
   * @param existing the stream's value
   * @param wanted the bus options' value
   */
  public StreamMismatchException(String stream, String setting, Object existing, Object wanted) {
    super("The JetStream stream '" + stream + "' exists with " + setting + " " + existing
        + " but the bus options ask for " + wanted + "; the bus does not change that on its own:"
        + " change the stream or the options so that they agree");
  }
}
