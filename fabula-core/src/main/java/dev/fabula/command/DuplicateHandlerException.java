package dev.fabula.command;

import dev.fabula.FabulaException;

/**
 * A second handler was registered for a command name on the same {@link CommandBus}. Each bus
 * holds at most one handler per name; to run handlers for one name in parallel, give them separate
 * buses (the distributed protocol lets exactly one of them execute each command) or raise the
 * bus's concurrency.
 */
public final class DuplicateHandlerException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String commandName;

  /** @param commandName the name that already has a handler on this bus */
  public DuplicateHandlerException(String commandName) {
    super(
        "A handler for command '" + commandName + "' is already registered on this bus;"
            + " close its HandlerRegistration first, or register on another bus");
    this.commandName = commandName;
  }

  /** The name that already has a handler. */
  public String commandName() {
    return commandName;
  }
}
