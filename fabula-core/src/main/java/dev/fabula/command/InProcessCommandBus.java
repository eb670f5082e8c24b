package dev.fabula.command;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.codec.PayloadException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link CommandBus} for one JVM: the dispatcher hands the command object to the handler
 * registered on the same bus. A handler slot is taken before the command counts as accepted, so
 * an accepted command always starts at once. The handler runs on a virtual thread of its own, or,
 * with {@link CommandBusOptions#callerRuns()} and a synchronous dispatch, on the dispatching thread.
 */
final class InProcessCommandBus implements CommandBus {
  private final CommandBusOptions options;
  private final HandlerTable handlers = new HandlerTable();
  private final Semaphore slots;
  private final Set<CompletableFuture<Execution.Outcome>> waiting = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  InProcessCommandBus(CommandBusOptions options) {
    this.options = options;
    this.slots = new Semaphore(options.concurrency());
  }

  @Override
  public void dispatch(Command<?> command, DispatchOptions dispatch) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(dispatch, "options");
    ensureOpen();
    Duration assign = dispatch.assignTimeout();
    HandlerTable.Entry<?> entry = handlers.get(command.name());
    if (entry == null) {
      throw new NoHandlerException(
          command.id(),
          command.name(),
          Duration.ZERO,
          "this in-process bus has no handler for '" + command.name() + "' (it did not wait: an"
              + " in-process bus serves only the handlers registered on it). Register one with"
              + " handle(\"" + command.name() + "\", ...) on this bus before dispatching");
    }
    if (!entry.type().isInstance(command.payload())) {
      throw new PayloadException(
          command.name(),
          "the handler expects " + entry.type().getName() + " but the payload is a "
              + command.payload().getClass().getName());
    }
    if (!entry.accepts(command)) {
      throw new NoHandlerException(
          command.id(),
          command.name(),
          Duration.ZERO,
          "the filter of this in-process bus's handler for '" + command.name() + "' declined it,"
              + " and no other handler can take it here (it did not wait)");
    }
    acquireSlot(command, assign);
    if (options.callerRuns() && dispatch instanceof DispatchOptions.Sync) {
      runOnCaller(entry, command);
      return;
    }
    var done = new CompletableFuture<Execution.Outcome>();
    try {
      ensureOpen();
      Thread.ofVirtual()
          .name("fabula-command-" + command.name())
          .start(
              () -> {
                Execution.Outcome outcome;
                try {
                  outcome = Execution.run(entry, command, options.reporter());
                } finally {
                  slots.release();
                }
                done.complete(outcome);
              });
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
    if (dispatch instanceof DispatchOptions.Sync sync) {
      awaitResult(command, done, sync.executionTimeout());
    }
  }

  /**
   * Runs the handler on this thread, holding the slot {@code dispatch} took. The execution timeout
   * is not enforced: nothing here could stop the handler, so its outcome is reported however long
   * it took.
   */
  private void runOnCaller(HandlerTable.Entry<?> entry, Command<?> command) {
    Execution.Outcome outcome;
    try {
      ensureOpen();
      outcome = Execution.run(entry, command, options.reporter());
    } finally {
      slots.release();
    }
    rethrowFailure(command, outcome);
  }

  private void acquireSlot(Command<?> command, Duration assign) {
    try {
      if (!slots.tryAcquire(assign.toNanos(), TimeUnit.NANOSECONDS)) {
        ensureOpen(); // closed while waiting: say so rather than blame busy slots
        throw new NoHandlerException(
            command.id(),
            command.name(),
            assign,
            "all " + options.concurrency() + " handler slots of this in-process bus stayed busy"
                + " for the whole assign timeout of " + assign.toMillis() + " ms. Raise the bus's"
                + " concurrency or the assign timeout");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while waiting for a handler slot", e);
    }
  }

  private void awaitResult(
      Command<?> command, CompletableFuture<Execution.Outcome> done, Duration timeout) {
    waiting.add(done);
    Execution.Outcome outcome;
    try {
      if (closed) { // close() may have missed this future
        done.completeExceptionally(new ClosedException("command bus"));
      }
      outcome = Waits.await(done, timeout);
    } finally {
      waiting.remove(done);
    }
    if (outcome == null) {
      throw new DispatchTimeoutException(
          command.id(), command.name(), DispatchTimeoutException.Stage.EXECUTION, timeout);
    }
    rethrowFailure(command, outcome);
  }

  /** Rethrows the handler's failure, if it failed, to the synchronous dispatcher. */
  private static void rethrowFailure(Command<?> command, Execution.Outcome outcome) {
    CommandError error = outcome.error();
    if (error != null) {
      throw new CommandExecutionException(command.id(), command.name(), error, outcome.cause());
    }
  }

  @Override
  public <P> HandlerRegistration handle(
      String name,
      Class<P> payloadType,
      Predicate<? super Command<P>> filter,
      CommandHandler<P> handler) {
    ensureOpen();
    return handlers.add(new HandlerTable.Entry<>(name, payloadType, filter, handler));
  }

  @Override
  public void close() {
    closed = true;
    waiting.forEach(f -> f.completeExceptionally(new ClosedException("command bus")));
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("command bus");
    }
  }
}
