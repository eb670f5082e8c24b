package dev.fabula.command;

import dev.fabula.TransientException;
import java.time.Duration;
import java.util.UUID;

/**
 * No handler accepted a command: no bus has a handler for its name, every handler's filter declined
 * it, every handler was busy for the whole assign timeout, or the buses that had asked for it gave
 * it back (they were closing). The command was not executed. The message says which of these
 * happened on the dispatching bus, and whether it waited. Transient: a retry may find a handler
 * that has started or has capacity again.
 */
public final class NoHandlerException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final UUID commandId;
  private final String commandName;
  private final Duration timeout;

  /**
   * @param commandId the command's id
   * @param commandName the command's name
   * @param timeout how long the dispatcher waited; {@link Duration#ZERO} when it knew at once
   * @param reason what happened, for people: the whole explanation after "No handler accepted
   *     command '…' (…): "
   */
  public NoHandlerException(UUID commandId, String commandName, Duration timeout, String reason) {
    super("No handler accepted command '" + commandName + "' (" + commandId + "): " + reason);
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

  /** How long the dispatcher waited for a handler; {@link Duration#ZERO} when it did not wait. */
  public Duration timeout() {
    return timeout;
  }
}
