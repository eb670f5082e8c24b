package dev.fabula.command;

/**
 * Executes commands of one name. Runs on a virtual thread of the bus that accepted the command, or
 * on the dispatching thread of a synchronous dispatch when the in-process bus was created with
 * {@link CommandBusOptions#callerRuns()}; blocking is fine.
 *
 * <p>Returning normally means the command succeeded. Throwing means it failed: throw a {@link
 * CommandRejectedException} to give the caller a code and details it can act on; any other
 * exception reaches the caller with the code {@link CommandError#UNEXPECTED}. Either way the bus
 * keeps serving other commands.
 *
 * @param <P> the payload type
 */
@FunctionalInterface
public interface CommandHandler<P> {
  /** Executes {@code command}. */
  void handle(Command<P> command) throws Exception;
}
