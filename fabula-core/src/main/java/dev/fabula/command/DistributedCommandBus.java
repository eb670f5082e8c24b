package dev.fabula.command;

import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.spi.CommandProtocol;
import dev.fabula.spi.CommandProtocol.Accepted;
import dev.fabula.spi.CommandProtocol.Assigned;
import dev.fabula.spi.CommandProtocol.Dispatched;
import dev.fabula.spi.CommandProtocol.Executed;
import dev.fabula.spi.CommandProtocol.Released;
import dev.fabula.spi.CommandProtocol.Requested;
import dev.fabula.spi.UuidV7;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;

/**
 * A {@link CommandBus} that coordinates with the other buses on an {@link EventBus} through {@link
 * CommandProtocol}: exactly one bus executes each command.
 *
 * <p>This class routes the protocol events to the bus's two sides and owns its lifecycle: the
 * dispatcher side ({@link CommandDispatcher}) announces commands and waits for their outcomes;
 * the handler side ({@link CommandRunner}) offers to run them, holding a slot for each ({@link
 * HandlerSlots}), and runs those assigned to it. Every bus notes which bus accepted the latest
 * command for each aggregate ({@link AggregateOwners}) and prefers that bus for the aggregate's
 * next command.
 *
 * <p>A bus gives back what it requested and has not started: when it closes (or cannot start a
 * handler) it publishes {@link Released} for each command it holds a slot for, and a dispatcher
 * whose assignee gave the command back places it again with the rest of its assign timeout (see
 * {@link CommandProtocol}). So closing one of several handler buses never strands a command.
 *
 * <p>Every failure met outside a handler, of any {@link Throwable} (a filter that throws, a
 * payload this bus cannot decode, a protocol event it cannot publish), is logged at {@code ERROR}
 * by the {@link System.Logger} named {@code dev.fabula.command.CommandBus}, and the bus goes on:
 * the command concerned is declined or given back, never silently held. Protocol events are
 * handled on the subscription's delivery thread, which never publishes itself ({@link
 * ProtocolPublisher}).
 *
 * <p>{@link CommandBusOptions#callerRuns()} is ignored: the executing bus may be in another
 * process, so handlers always run on the accepting bus's virtual threads.
 */
final class DistributedCommandBus implements CommandBus {
  private static final System.Logger LOG = System.getLogger(CommandBus.class.getName());
  private static final Set<String> PROTOCOL =
      Set.of(
          CommandProtocol.DISPATCHED,
          CommandProtocol.REQUESTED,
          CommandProtocol.ASSIGNED,
          CommandProtocol.ACCEPTED,
          CommandProtocol.EXECUTED,
          CommandProtocol.RELEASED);

  private final String busId = UuidV7.next().toString();
  private final Codec codec;
  private final HandlerTable handlers = new HandlerTable();
  private final AggregateOwners owners = new AggregateOwners();
  private final ScheduledExecutorService timer;
  private final HandlerSlots slots;
  private final CommandDispatcher dispatcher;
  private final CommandRunner runner;
  private final Subscription subscription;
  private volatile boolean closed;

  DistributedCommandBus(EventBus events, Codec codec, CommandBusOptions options) {
    this.codec = codec;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("fabula-command-timer").factory());
    var protocol = new ProtocolCodec(codec);
    var publisher = new ProtocolPublisher(events, busId);
    this.slots = new HandlerSlots(busId, publisher, timer, options, () -> closed);
    this.dispatcher =
        new CommandDispatcher(busId, protocol, publisher, options, owners, timer, () -> closed);
    this.runner =
        new CommandRunner(busId, handlers, protocol, publisher, slots, options.reporter());
    try {
      this.subscription =
          events.subscribe(
              PROTOCOL,
              this::onEvent,
              SubscriptionOptions.defaults()
                  .withErrorHandler(
                      e -> LOG.log(Level.ERROR, "command bus " + busId + " failed on an event", e)));
    } catch (RuntimeException e) {
      timer.shutdownNow();
      throw e;
    }
  }

  @Override
  public void dispatch(Command<?> command, DispatchOptions dispatch) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(dispatch, "options");
    ensureOpen();
    dispatcher.dispatch(command, dispatch);
  }

  @Override
  public <P> HandlerRegistration handle(
      String name,
      Class<P> payloadType,
      Predicate<? super Command<P>> filter,
      CommandHandler<P> handler) {
    ensureOpen();
    var entry = new HandlerTable.Entry<>(name, payloadType, filter, handler);
    Class<?> registered = codec.registry().type(name);
    if (!payloadType.isAssignableFrom(registered)) {
      throw new IllegalArgumentException(
          "command '" + name + "' is registered with payload type " + registered.getName()
              + ", which is not assignable to " + payloadType.getName());
    }
    return handlers.add(entry);
  }

  private void onEvent(Event<?> event) {
    try {
      switch (event.data()) {
        case Dispatched d -> runner.onDispatched(d, event.metadata());
        case Requested r -> dispatcher.onRequested(r);
        case Assigned a -> runner.onAssigned(a);
        case Accepted a -> onAccepted(a);
        case Executed x -> onExecuted(x);
        case Released r -> dispatcher.onReleased(r);
        default ->
            LOG.log(Level.WARNING, "command bus " + busId + " ignores " + event + " carrying a "
                + event.data().getClass().getName());
      }
    } catch (Throwable e) {
      // Reported here, whatever the event bus does with a failing handler, and the bus goes on
      // with the next protocol event.
      LOG.log(Level.ERROR, "command bus " + busId + " failed on " + event, e);
    }
  }

  private void onAccepted(Accepted accepted) {
    if (!accepted.busId().equals(busId)) {
      slots.settleElsewhere(accepted.commandId(), accepted.dispatchId());
    }
    owners.accepted(accepted);
    dispatcher.onAccepted(accepted);
  }

  private void onExecuted(Executed executed) {
    if (!executed.busId().equals(busId)) {
      slots.settleElsewhere(executed.commandId(), executed.dispatchId());
    }
    dispatcher.onExecuted(executed);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    subscription.close();
    timer.shutdownNow();
    slots.close();
    dispatcher.close();
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("command bus");
    }
  }

  @Override
  public String toString() {
    return "DistributedCommandBus[" + busId + "]";
  }
}
