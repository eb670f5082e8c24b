package dev.fabula.command;

import dev.fabula.FabulaException;
import java.util.Map;

/**
 * Thrown by a {@link CommandHandler} to reject a command with a code and details the caller can
 * act on. A synchronous dispatcher receives the code, message and details unchanged, in a {@link
 * CommandExecutionException}, in whichever process it runs.
 */
public final class CommandRejectedException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final Map<String, String> details;

  /**
   * @param code what kind of rejection, e.g. {@code "product.price-not-positive"}
   * @param message what went wrong, for people
   */
  public CommandRejectedException(String code, String message) {
    this(code, message, Map.of());
  }

  /**
   * @param code what kind of rejection
   * @param message what went wrong, for people
   * @param details extra data the caller can act on
   */
  public CommandRejectedException(String code, String message, Map<String, String> details) {
    super(message);
    this.code = new CommandError(code, message, details).code();
    this.details = Map.copyOf(details);
  }

  /**
   * @param code what kind of rejection
   * @param message what went wrong, for people
   * @param details extra data the caller can act on
   * @param cause the domain exception this rejection stands for (stays in the handler's process)
   */
  public CommandRejectedException(
      String code, String message, Map<String, String> details, Throwable cause) {
    super(message, cause);
    this.code = new CommandError(code, message, details).code();
    this.details = Map.copyOf(details);
  }

  /** The rejection code. */
  public String code() {
    return code;
  }

  /** The details. */
  public Map<String, String> details() {
    return details;
  }

  /** The rejection as a {@link CommandError}. */
  public CommandError error() {
    return new CommandError(code, String.valueOf(getMessage()), details);
  }
}
