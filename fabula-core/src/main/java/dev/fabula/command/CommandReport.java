package dev.fabula.command;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one executed command, as the executing bus saw it.
 *
 * @param command the command
 * @param runtime how long the handler ran
 * @param error why it failed, or {@code null} when it succeeded; see {@link #failure()}
 */
public record CommandReport(Command<?> command, Duration runtime, @Nullable CommandError error) {
  /** Validates the report. */
  public CommandReport {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(runtime, "runtime");
  }

  /** Whether the handler returned normally. */
  public boolean succeeded() {
    return error == null;
  }

  /** Why the command failed, if it did. */
  public Optional<CommandError> failure() {
    return Optional.ofNullable(error);
  }
}
