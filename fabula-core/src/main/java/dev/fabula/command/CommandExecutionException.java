package dev.fabula.command;

import dev.fabula.FabulaException;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A synchronously dispatched command was executed and its handler failed. Carries the handler's
 * {@linkplain #code() code}, {@linkplain #getMessage() message} and {@linkplain #details() details}
 * unchanged, whichever process ran the handler. When the handler ran in this JVM, the original
 * exception is the {@linkplain #getCause() cause}.
 *
 * <p>Not transient: the command was executed and rejected; dispatching it again is the caller's
 * decision.
 */
public final class CommandExecutionException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final UUID commandId;
  private final String commandName;
  private final CommandError error;

  /**
   * @param commandId the failed command's id
   * @param commandName the failed command's name
   * @param error what the handler reported
   * @param cause the handler's exception when it ran in this JVM, else {@code null}
   */
  public CommandExecutionException(
      UUID commandId, String commandName, CommandError error, @Nullable Throwable cause) {
    super(error.message(), cause);
    this.commandId = commandId;
    this.commandName = commandName;
    this.error = error;
  }

  /** The id of the command that failed. */
  public UUID commandId() {
    return commandId;
  }

  /** The name of the command that failed. */
  public String commandName() {
    return commandName;
  }

  /** The handler's error code, e.g. {@code "product.price-not-positive"}. */
  public String code() {
    return error.code();
  }

  /** The handler's error details. */
  public Map<String, String> details() {
    return error.details();
  }

  /** The whole error as reported by the handler. */
  public CommandError error() {
    return error;
  }

  @Override
  public String toString() {
    return getClass().getName() + ": command '" + commandName + "' (" + commandId + ") failed ["
        + error.code() + "]: " + error.message()
        + (error.details().isEmpty() ? "" : " " + error.details());
  }
}
