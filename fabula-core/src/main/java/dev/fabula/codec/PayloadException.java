package dev.fabula.codec;

import dev.fabula.FabulaException;

/**
 * A payload that does not fit the type registered for its name: data of the wrong class on
 * encode, or bytes that do not decode into the registered type (missing or unknown fields, wrong
 * value types, malformed input, a revision with no upcaster).
 */
public final class PayloadException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String name;

  /**
   * @param name the registered name the payload was encoded or decoded under
   * @param message what did not fit
   */
  public PayloadException(String name, String message) {
    super("Payload of '" + name + "' does not fit its registered type: " + message);
    this.name = name;
  }

  /**
   * @param name the registered name the payload was encoded or decoded under
   * @param message what did not fit
   * @param cause the underlying error
   */
  public PayloadException(String name, String message, Throwable cause) {
    super("Payload of '" + name + "' does not fit its registered type: " + message, cause);
    this.name = name;
  }

  /** The name the payload was encoded or decoded under. */
  public String name() {
    return name;
  }
}
