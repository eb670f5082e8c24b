package dev.fabula.command;

import dev.fabula.spi.CommandProtocol.Executed;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why a command failed, in a form that travels between processes: a machine-readable code, a
 * human-readable message, and string details.
 *
 * @param code what kind of failure, e.g. {@code "product.price-not-positive"}; never blank
 * @param message what went wrong, for people
 * @param details extra data the caller can act on; copied
 */
public record CommandError(String code, String message, Map<String, String> details) {
  /** The code of failures that were not a {@link CommandRejectedException}. */
  public static final String UNEXPECTED = "fabula.unexpected";

  /** The detail key holding the class name of an unexpected exception. */
  public static final String EXCEPTION_DETAIL = "exception";

  /** Validates the error and copies the details. */
  public CommandError {
    Objects.requireNonNull(details, "details");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    details = Map.copyOf(details);
    if (code.isBlank()) {
      throw new IllegalArgumentException("error code must not be blank");
    }
  }

  /**
   * The error a handler's exception stands for: a {@link CommandRejectedException}'s or {@link
   * CommandExecutionException}'s own code, message and details; for anything else {@link
   * #UNEXPECTED}, the exception's message and its class name under {@link #EXCEPTION_DETAIL}.
   */
  public static CommandError of(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    if (failure instanceof CommandRejectedException r) {
      return r.error();
    }
    if (failure instanceof CommandExecutionException e) {
      return e.error();
    }
    String message = failure.getMessage();
    return new CommandError(
        UNEXPECTED,
        message == null ? failure.getClass().getName() : message,
        Map.of(EXCEPTION_DETAIL, failure.getClass().getName()));
  }

  /** The error an {@link Executed} outcome carries, or {@code null} when the handler succeeded. */
  static @Nullable CommandError of(Executed outcome) {
    String code = outcome.errorCode();
    if (code == null) {
      return null;
    }
    String message = outcome.errorMessage();
    return new CommandError(code, message == null ? "" : message, outcome.errorDetails());
  }
}
