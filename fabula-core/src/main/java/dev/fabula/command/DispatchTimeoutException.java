package dev.fabula.command;

import dev.fabula.FabulaException;
import java.time.Duration;
import java.util.UUID;

/**
 * A dispatcher stopped waiting for a command that a handler may still run: a synchronous dispatch
 * whose handler did not finish within the execution timeout, or a command that was assigned to a
 * bus whose acceptance did not arrive within the assign timeout. The outcome is unknown, so this is
 * not transient: retry only commands whose handlers are idempotent.
 */
public final class DispatchTimeoutException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** What the dispatcher was waiting for when it gave up. */
  public enum Stage {
    /** The command was assigned to a bus, which did not confirm that it accepted it. */
    ACCEPTANCE,
    /** A handler accepted the command and did not finish in time. */
    EXECUTION
  }

  private final UUID commandId;
  private final String commandName;
  private final Stage stage;
  private final Duration timeout;

  /**
   * @param commandId the command's id
   * @param commandName the command's name
   * @param stage what the dispatcher was waiting for
   * @param timeout how long it waited
   */
  public DispatchTimeoutException(UUID commandId, String commandName, Stage stage, Duration timeout) {
    super(
        switch (stage) {
          case ACCEPTANCE -> "Command '" + commandName + "' (" + commandId
              + ") was assigned to a bus that neither confirmed nor gave it back within the assign"
              + " timeout of " + timeout.toMillis() + " ms; the outcome is unknown: it may still"
              + " run. Raise the assign timeout in DispatchOptions; retry only an idempotent"
              + " command";
          case EXECUTION -> "The handler of command '" + commandName + "' (" + commandId
              + ") did not finish within the execution timeout of " + timeout.toMillis()
              + " ms; it may still run. Raise the execution timeout in DispatchOptions or make"
              + " the handler faster";
        });
    this.commandId = commandId;
    this.commandName = commandName;
    this.stage = stage;
    this.timeout = timeout;
  }

  /** The command's id. */
  public UUID commandId() {
    return commandId;
  }

  /** The command's name. */
  public String commandName() {
    return commandName;
  }

  /** What the dispatcher was waiting for. */
  public Stage stage() {
    return stage;
  }

  /** How long the dispatcher waited. */
  public Duration timeout() {
    return timeout;
  }
}
