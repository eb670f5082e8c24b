package dev.fabula.command;

import dev.fabula.ClosedException;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.spi.CommandProtocol;
import dev.fabula.spi.CommandProtocol.Accepted;
import dev.fabula.spi.CommandProtocol.Assigned;
import dev.fabula.spi.CommandProtocol.Dispatched;
import dev.fabula.spi.CommandProtocol.Executed;
import dev.fabula.spi.CommandProtocol.Released;
import dev.fabula.spi.CommandProtocol.Requested;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The dispatcher side of a {@link DistributedCommandBus}: announces a command, assigns it to one
 * requesting bus, places it again when that bus gives it back, and waits for its acceptance and
 * outcome.
 *
 * <p>Affinity: dispatching a command for an aggregate with a known owner ({@link
 * AggregateOwners}), it assigns the command only to that owner for up to {@link
 * CommandBusOptions#affinityWait()} (at most half the assign timeout); requests of other buses are
 * kept as fallbacks and the first of them gets the command when the wait ends or the owner
 * declines. A dispatcher whose assignee gave the command back places it again with the rest of
 * its assign timeout (see {@link CommandProtocol}).
 *
 * <p>Each call of {@link #dispatch} gets a fresh dispatch id, kept in all its attempts; what it
 * waits for is keyed by command id, and records of another dispatch of the same command (a late
 * reply to an earlier one) are ignored.
 */
final class CommandDispatcher {
  private static final System.Logger LOG = System.getLogger(CommandBus.class.getName());

  private final String busId;
  private final ProtocolCodec protocol;
  private final ProtocolPublisher publisher;
  private final CommandBusOptions options;
  private final AggregateOwners owners;
  private final ScheduledExecutorService timer;
  /** Whether the bus is closed; read after a dispatch is registered, so close() fails it or sees it. */
  private final BooleanSupplier closed;
  private final Map<UUID, Pending> pending = new ConcurrentHashMap<>();

  /** A dispatch waiting for its command's assignment, acceptance and outcome. */
  private static final class Pending {
    final Dispatched announced;
    final Metadata metadata;
    final long deadlineNanos;
    final CompletableFuture<String> accepted = new CompletableFuture<>();
    final CompletableFuture<Executed> executed = new CompletableFuture<>();
    final ReentrantLock lock = new ReentrantLock();
    // guarded by lock: the current attempt, its assignee, the buses that gave the command back
    // (or declined it), how many gave it back; while preferring, only the preferred bus is
    // assigned and other requesters wait as candidates, first come first
    int attempt = 1;
    @Nullable String assignee;
    final Set<String> released = new HashSet<>();
    int givenBack;
    @Nullable String preferred;
    boolean preferring;
    final LinkedHashSet<String> candidates = new LinkedHashSet<>();

    Pending(Dispatched announced, Metadata metadata, long deadlineNanos) {
      this.announced = announced;
      this.metadata = metadata;
      this.deadlineNanos = deadlineNanos;
    }
  }

  CommandDispatcher(
      String busId,
      ProtocolCodec protocol,
      ProtocolPublisher publisher,
      CommandBusOptions options,
      AggregateOwners owners,
      ScheduledExecutorService timer,
      BooleanSupplier closed) {
    this.busId = busId;
    this.protocol = protocol;
    this.publisher = publisher;
    this.options = options;
    this.owners = owners;
    this.timer = timer;
    this.closed = closed;
  }

  /** See {@link CommandBus#dispatch(Command, DispatchOptions)}. */
  void dispatch(Command<?> command, DispatchOptions dispatch) {
    // Fail fast, before anything is sent, on a name or payload the codec cannot handle.
    byte[] payload = protocol.encode(command);
    Duration assign = dispatch.assignTimeout();
    AggregateTarget target = command.aggregateOrNull();
    Duration affinity = min(options.affinityWait(), assign.dividedBy(2));
    String preferred = target == null || affinity.isZero() ? null : owners.owner(target);
    Dispatched announced = protocol.announce(command, payload, assign, preferred);

    var p = new Pending(announced, command.metadata(), System.nanoTime() + assign.toNanos());
    p.preferred = preferred;
    p.preferring = preferred != null;
    if (pending.putIfAbsent(command.id(), p) != null) {
      throw new IllegalStateException(
          "command " + command.id() + " is already being dispatched by this bus; give each"
              + " dispatch its own id");
    }
    try {
      if (closed.getAsBoolean()) {
        throw new ClosedException("command bus");
      }
      if (preferred != null) {
        try {
          timer.schedule(() -> endPreference(p, 1), affinity.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // closing: no preference
          endPreference(p, 1);
        }
      }
      publisher.publish(
          Event.create(CommandProtocol.DISPATCHED, announced).withMetadata(command.metadata()));
      if (Waits.await(p.accepted, assign) == null) {
        throw notAccepted(command, assign, p);
      }
      if (dispatch instanceof DispatchOptions.Sync sync) {
        Executed outcome = Waits.await(p.executed, sync.executionTimeout());
        if (outcome == null) {
          throw new DispatchTimeoutException(
              command.id(),
              command.name(),
              DispatchTimeoutException.Stage.EXECUTION,
              sync.executionTimeout());
        }
        CommandError error = CommandError.of(outcome);
        if (error != null) {
          throw new CommandExecutionException(command.id(), command.name(), error, null);
        }
      }
    } finally {
      pending.remove(command.id(), p);
    }
  }

  /** What to throw when no acceptance came within the assign timeout; withdraws the command. */
  private RuntimeException notAccepted(Command<?> command, Duration assign, Pending p) {
    int attempt;
    int releases;
    p.lock.lock();
    try {
      if (p.assignee != null) {
        return new DispatchTimeoutException(
            command.id(), command.name(), DispatchTimeoutException.Stage.ACCEPTANCE, assign);
      }
      p.assignee = ProtocolCodec.WITHDRAWN;
      attempt = p.attempt;
      releases = p.givenBack;
    } finally {
      p.lock.unlock();
    }
    // Assigning to nobody tells every bus that requested it, or keeps it queued, to let go.
    publisher.publishAsync(
        CommandProtocol.ASSIGNED,
        new Assigned(command.id(), p.announced.dispatchId(), ProtocolCodec.WITHDRAWN, attempt));
    String reason =
        releases == 0
            ? "no bus sharing this event bus asked for it within the assign timeout of "
                + assign.toMillis() + " ms (none has a handler for '" + command.name()
                + "', every handler's filter declined it, or every handler slot stayed busy)."
                + " Register a handler for '" + command.name() + "' on a bus sharing this event"
                + " bus, or raise the assign timeout"
            : releases + " bus(es) gave it back without running it (closing, or unable to start"
                + " the handler), and no other bus sharing this event bus took it within the"
                + " assign timeout of " + assign.toMillis() + " ms. It did not run";
    return new NoHandlerException(command.id(), command.name(), assign, reason);
  }

  /**
   * The dispatch of command {@code commandId} this bus is waiting for, if {@code dispatchId} is
   * its id; else null (the record belongs to an earlier dispatch of the same command, or to
   * another bus's).
   */
  private @Nullable Pending pending(UUID commandId, UUID dispatchId) {
    Pending p = pending.get(commandId);
    return p != null && p.announced.dispatchId().equals(dispatchId) ? p : null;
  }

  /** A bus asks for a command this bus dispatched: the first (or the preferred) one gets it. */
  void onRequested(Requested requested) {
    Pending p = pending(requested.commandId(), requested.dispatchId());
    if (p == null) {
      return;
    }
    int attempt;
    p.lock.lock();
    try {
      if (p.assignee != null
          || p.attempt != requested.attempt()
          || p.released.contains(requested.busId())) {
        return; // assigned already, a late request of an earlier attempt, or a bus that let go
      }
      if (p.preferring && !requested.busId().equals(p.preferred)) {
        p.candidates.add(requested.busId()); // in case the preferred bus does not come
        return;
      }
      p.assignee = requested.busId();
      attempt = p.attempt;
    } finally {
      p.lock.unlock();
    }
    publisher.publishAsync(
        CommandProtocol.ASSIGNED,
        new Assigned(requested.commandId(), requested.dispatchId(), requested.busId(), attempt));
  }

  /**
   * Stops holding out for the preferred bus (its wait is over, or it declined): the first other
   * requester, if any, gets the command.
   */
  private void endPreference(Pending p, int attempt) {
    try {
      String assignee;
      p.lock.lock();
      try {
        if (!p.preferring || p.attempt != attempt) {
          return;
        }
        p.preferring = false;
        assignee = p.assignee == null ? firstCandidate(p) : null;
        if (assignee == null) {
          return; // assigned already, or the next request gets it
        }
        p.assignee = assignee;
      } finally {
        p.lock.unlock();
      }
      publisher.publishAsync(
          CommandProtocol.ASSIGNED,
          new Assigned(p.announced.commandId(), p.announced.dispatchId(), assignee, attempt));
    } catch (Throwable e) { // runs on the timer, which would keep it in a future nobody reads
      LOG.log(Level.ERROR, "command bus " + busId + " failed to end the affinity wait of "
          + p.announced.commandId(), e);
    }
  }

  private static @Nullable String firstCandidate(Pending p) {
    for (String candidate : p.candidates) {
      if (!p.released.contains(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** A bus gives back (or declines) a command this bus dispatched: place it again if nobody runs it. */
  void onReleased(Released released) {
    Pending p = pending(released.commandId(), released.dispatchId());
    if (p == null) {
      return;
    }
    Dispatched again;
    p.lock.lock();
    try {
      p.released.add(released.busId()); // never assign it to that bus again
      if (p.attempt != released.attempt()
          || (p.assignee != null && !p.assignee.equals(released.busId()))) {
        return; // a late message, or the command is assigned to a bus that did not give it back
      }
      if (p.assignee == null && released.busId().equals(p.preferred)) {
        // The preferred bus will not take it (no handler, its filter declined, ...): stop
        // waiting for it. Handled below, outside this lock.
        again = null;
      } else if (p.assignee == null && p.candidates.remove(released.busId())) {
        p.givenBack++;
        return; // a bus waiting as a fallback let go: the others, and the preferred bus, remain
      } else {
        // Nobody runs it: the assignee gave it back before accepting it, or a bus that asked let
        // go before we assigned it (and buses that joined since never heard of it). Start a new
        // attempt, which also voids late requests of this one, and place it again, preferring
        // no bus.
        p.givenBack++;
        p.assignee = null;
        p.attempt++;
        p.preferring = false;
        p.candidates.clear();
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(p.deadlineNanos - System.nanoTime());
        if (remainingMillis <= 0) {
          return; // dispatch() is about to give up; it will withdraw the command
        }
        again = ProtocolCodec.again(p.announced, remainingMillis, p.attempt);
      }
    } finally {
      p.lock.unlock();
    }
    if (again == null) {
      endPreference(p, released.attempt());
      return;
    }
    publisher.publishAsync(Event.create(CommandProtocol.DISPATCHED, again).withMetadata(p.metadata));
  }

  /** A bus accepted a command: its dispatch, if this bus's, stops waiting for acceptance. */
  void onAccepted(Accepted accepted) {
    Pending p = pending(accepted.commandId(), accepted.dispatchId());
    if (p != null) {
      p.accepted.complete(accepted.busId());
    }
  }

  /** A bus ran a command: its dispatch, if this bus's, gets the outcome. */
  void onExecuted(Executed executed) {
    Pending p = pending(executed.commandId(), executed.dispatchId());
    if (p != null) {
      p.accepted.complete(executed.busId()); // executed implies accepted, whatever arrives first
      p.executed.complete(executed);
    }
  }

  /** The bus closed: every dispatch still waiting fails with a {@link ClosedException}. */
  void close() {
    var closedException = new ClosedException("command bus");
    pending.values().forEach(p -> {
      p.accepted.completeExceptionally(closedException);
      p.executed.completeExceptionally(closedException);
    });
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
