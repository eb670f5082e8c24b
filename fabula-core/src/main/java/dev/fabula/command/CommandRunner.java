package dev.fabula.command;

import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.spi.CommandProtocol;
import dev.fabula.spi.CommandProtocol.Assigned;
import dev.fabula.spi.CommandProtocol.Dispatched;
import dev.fabula.spi.CommandProtocol.Released;
import java.lang.System.Logger.Level;
import java.util.UUID;

/**
 * The handler side of a {@link DistributedCommandBus}: offers to run the announced commands it has
 * a willing handler for, then accepts, runs and reports the ones assigned to it, each on a virtual
 * thread of its own; what it cannot start it gives back.
 */
final class CommandRunner {
  private static final System.Logger LOG = System.getLogger(CommandBus.class.getName());

  private final String busId;
  private final HandlerTable handlers;
  private final ProtocolCodec protocol;
  private final ProtocolPublisher publisher;
  private final HandlerSlots slots;
  private final CommandReporter reporter;

  CommandRunner(
      String busId,
      HandlerTable handlers,
      ProtocolCodec protocol,
      ProtocolPublisher publisher,
      HandlerSlots slots,
      CommandReporter reporter) {
    this.busId = busId;
    this.handlers = handlers;
    this.protocol = protocol;
    this.publisher = publisher;
    this.slots = slots;
    this.reporter = reporter;
  }

  /** A command was announced: offer to run it, or tell a dispatcher holding out for this bus that it will not. */
  void onDispatched(Dispatched d, Metadata metadata) {
    if (!offer(d, metadata) && busId.equals(d.preferredBus())) {
      // The dispatcher holds out for us: tell it at once that we will not ask.
      publisher.publishAsync(
          CommandProtocol.RELEASED,
          new Released(d.commandId(), d.dispatchId(), busId, d.attempt()));
    }
  }

  /**
   * Queues (or requests) a dispatched command this bus can run.
   *
   * @return false when this bus will not request it
   */
  private boolean offer(Dispatched d, Metadata metadata) {
    HandlerTable.Entry<?> entry = handlers.get(d.name());
    if (entry == null) {
      return false;
    }
    Object payload;
    try {
      payload = protocol.decode(d);
    } catch (Throwable e) {
      // The dispatcher encoded it with its codec; ours disagrees. Declining lets the dispatcher
      // time out with a NoHandlerException instead of running the handler on garbage.
      LOG.log(Level.ERROR, "command bus " + busId + " cannot decode command " + d.commandId()
          + " '" + d.name() + "'; declining it", e);
      return false;
    }
    Command<?> command = ProtocolCodec.command(d, payload, metadata);
    try {
      if (!entry.accepts(command)) {
        return false;
      }
    } catch (Throwable e) { // an Error too: this bus declines, others may take it
      LOG.log(Level.ERROR, "command bus " + busId + ": the filter of '" + d.name()
          + "' failed on " + command + "; declining it", e);
      return false;
    }
    return slots.offer(d, command, entry);
  }

  /** A command was assigned: run it if it is this bus's and a slot is held for it. */
  void onAssigned(Assigned assigned) {
    HandlerSlots.Reservation run = slots.assigned(assigned);
    if (run != null) {
      execute(run);
    }
  }

  /** Accepts and runs a reserved, assigned command on a virtual thread, then reports it. */
  private void execute(HandlerSlots.Reservation reservation) {
    Command<?> command = reservation.command();
    try {
      Thread.ofVirtual().name("fabula-command-" + command.name()).start(() -> run(reservation));
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "command bus " + busId + " could not start the handler of " + command
          + "; giving it back", e);
      slots.giveBack(reservation);
    }
  }

  private void run(HandlerSlots.Reservation reservation) {
    Command<?> command = reservation.command();
    UUID id = command.id();
    try {
      var accepted = ProtocolCodec.accepted(busId, command, reservation.dispatchId());
      publisher.publish(Event.create(CommandProtocol.ACCEPTED, accepted));
    } catch (Throwable e) {
      // Not accepted, so not run: give it back, so the dispatcher can place it elsewhere.
      LOG.log(Level.ERROR, "command bus " + busId + " could not accept " + command
          + "; giving it back", e);
      slots.giveBack(reservation);
      return;
    }
    Execution.Outcome outcome;
    try {
      outcome = Execution.run(reservation.entry(), command, reporter);
    } finally {
      slots.releaseSlot();
    }
    CommandError error = outcome.error();
    var executed = ProtocolCodec.executed(busId, id, reservation.dispatchId(), outcome);
    try {
      publisher.publish(Event.create(CommandProtocol.EXECUTED, executed));
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "command bus " + busId + " ran " + command
          + " but could not report its outcome " + (error == null ? "(success)" : error), e);
    }
  }
}
