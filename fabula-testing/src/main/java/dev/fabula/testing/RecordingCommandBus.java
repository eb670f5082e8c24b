package dev.fabula.testing;

import dev.fabula.ClosedException;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandHandler;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.HandlerRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/** A command bus that only records what is dispatched to it: what a workflow requested. */
final class RecordingCommandBus implements CommandBus {
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Command<?>> dispatched = new ArrayList<>();
  private boolean closed;

  @Override
  public void dispatch(Command<?> command, DispatchOptions options) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(options, "options");
    lock.lock();
    try {
      if (closed) {
        throw new ClosedException("the fixture's command bus is closed");
      }
      dispatched.add(command);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public <P> HandlerRegistration handle(
      String name, Class<P> payloadType, Predicate<? super Command<P>> filter, CommandHandler<P> handler) {
    throw new UnsupportedOperationException("the workflow fixture's command bus only records commands");
  }

  /** The commands dispatched so far, oldest first. */
  List<Command<?>> dispatched() {
    lock.lock();
    try {
      return List.copyOf(dispatched);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
    } finally {
      lock.unlock();
    }
  }
}
