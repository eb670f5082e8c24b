package dev.fabula.command;

/**
 * A handler registered on a {@link CommandBus}. Closing it unregisters the handler: the bus stops
 * taking new commands of that name for it; commands it already accepted still run to the end.
 */
public interface HandlerRegistration extends AutoCloseable {
  /** The names of the commands this registration handles. */
  java.util.Set<String> commandNames();

  /** Unregisters the handler(s). Idempotent. */
  @Override
  void close();
}
