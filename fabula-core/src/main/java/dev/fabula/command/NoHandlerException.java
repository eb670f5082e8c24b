package dev.fabula.command;

import dev.fabula.TransientException;
import java.time.Duration;
import java.util.UUID;

/**
 * No handler accepted a command within the dispatch's assign timeout: no bus has a handler for its
 * name, every handler's filter declined it, or every handler was busy. The command was not
 * executed. Transient: a retry may find a handler that has started or has capacity again.
 */
public final class NoHandlerException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final UUID commandId;
  private final String commandName;
  private final Duration timeout;

  /**
   * @param commandId the command's id
   * @param commandName the command's name
   * @param timeout how long the dispatcher waited
   * @param reason why no handler took it, for people
   */
  public NoHandlerException(UUID commandId, String commandName, Duration timeout, String reason) {
    super(
        "No handler accepted command '" + commandName + "' (" + commandId + ") within "
            + timeout.toMillis() + " ms: " + reason
            + "; register a handler for '" + commandName + "' on a bus sharing this event bus,"
            + " or raise the assign timeout");
    this.commandId = commandId;
    this.commandName = commandName;
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

  /** How long the dispatcher waited for a handler. */
  public Duration timeout() {
    return timeout;
  }
}
