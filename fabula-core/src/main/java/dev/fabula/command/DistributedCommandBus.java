package dev.fabula.command;

import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.command.CommandProtocol.Accepted;
import dev.fabula.command.CommandProtocol.Assigned;
import dev.fabula.command.CommandProtocol.Dispatched;
import dev.fabula.command.CommandProtocol.Executed;
import dev.fabula.command.CommandProtocol.Requested;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Metadata;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UuidV7;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CommandBus} that coordinates with the other buses on an {@link EventBus} through {@link
 * CommandProtocol}: exactly one bus executes each command.
 *
 * <p>Handler side: a bus requests a dispatched command only after it reserved a handler slot, so
 * that when the command is assigned to it, it can accept and start it at once. Offers that arrive
 * while every slot is taken wait in a bounded queue and are requested as slots free up, until the
 * dispatcher's assign timeout passes. A reservation is released when the command is assigned to
 * another bus, or when no assignment came within the assign timeout plus {@link
 * #RESERVATION_GRACE} (the dispatcher is gone).
 *
 * <p>Protocol events are handled on the subscription's delivery thread, which never publishes
 * itself: publishing happens on virtual threads, so that buses whose subscriber queues are full
 * cannot block one another's delivery (with back-pressure, two delivery threads each publishing
 * to the other's full queue would deadlock).
 *
 * <p>{@link CommandBusOptions#callerRuns()} is ignored: the executing bus may be in another
 * process, so handlers always run on the accepting bus's virtual threads.
 */
final class DistributedCommandBus implements CommandBus {
  /** How long past the dispatcher's assign timeout a requester holds its reserved slot. */
  static final Duration RESERVATION_GRACE = Duration.ofSeconds(1);

  /** The assignee of a command whose dispatcher gave up: no bus. */
  static final String WITHDRAWN = "";

  private static final System.Logger LOG = System.getLogger(CommandBus.class.getName());
  private static final Set<String> PROTOCOL =
      Set.of(
          CommandProtocol.DISPATCHED,
          CommandProtocol.REQUESTED,
          CommandProtocol.ASSIGNED,
          CommandProtocol.ACCEPTED,
          CommandProtocol.EXECUTED);

  private final String busId = UuidV7.next().toString();
  private final EventBus events;
  private final Codec codec;
  private final CommandBusOptions options;
  private final HandlerTable handlers = new HandlerTable();
  private final Semaphore slots;
  private final ScheduledExecutorService timer;
  private final Subscription subscription;
  private final Map<UUID, Pending> pending = new ConcurrentHashMap<>();

  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock: offers waiting for a free slot, oldest first; and the slots held for requests
  private final LinkedHashMap<UUID, Offer> offers = new LinkedHashMap<>();
  private final Map<UUID, Reservation> reservations = new HashMap<>();

  private volatile boolean closed;

  private record Offer(Command<?> command, HandlerTable.Entry<?> entry, long deadlineNanos) {}

  private record Reservation(
      Command<?> command, HandlerTable.Entry<?> entry, ScheduledFuture<?> expiry) {}

  /** A dispatch waiting for its command's assignment, acceptance and outcome. */
  private static final class Pending {
    final AtomicReference<@Nullable String> assignee = new AtomicReference<>();
    final CompletableFuture<String> accepted = new CompletableFuture<>();
    final CompletableFuture<Executed> executed = new CompletableFuture<>();
  }

  DistributedCommandBus(EventBus events, Codec codec, CommandBusOptions options) {
    this.events = events;
    this.codec = codec;
    this.options = options;
    this.slots = new Semaphore(options.concurrency());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("fabula-command-timer").factory());
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

  // ---- dispatcher side ----

  @Override
  public void dispatch(Command<?> command, DispatchOptions dispatch) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(dispatch, "options");
    ensureOpen();
    // Fail fast, before anything is sent, on a name or payload the codec cannot handle.
    byte[] payload = codec.encode(command.name(), command.payload());
    int revision = codec.registry().revision(command.name());
    Duration assign = dispatch.assignTimeout();
    AggregateTarget target = command.aggregateOrNull();
    var announced =
        new Dispatched(
            command.id(),
            command.name(),
            target == null ? null : target.name(),
            target == null ? null : target.id(),
            revision,
            payload,
            assign.toMillis());

    var p = new Pending();
    if (pending.putIfAbsent(command.id(), p) != null) {
      throw new IllegalStateException(
          "command " + command.id() + " is already being dispatched by this bus; give each"
              + " dispatch its own id");
    }
    try {
      if (closed) {
        throw new ClosedException("command bus");
      }
      events.publish(
          List.of(Event.create(CommandProtocol.DISPATCHED, announced).withMetadata(command.metadata())));
      if (Waits.await(p.accepted, assign) == null) {
        if (p.assignee.compareAndSet(null, WITHDRAWN)) {
          // Assigning to nobody tells every bus that requested it, or keeps it queued, to let go.
          publishAsync(CommandProtocol.ASSIGNED, new Assigned(command.id(), WITHDRAWN));
          throw new NoHandlerException(
              command.id(),
              command.name(),
              assign,
              "no bus asked for it (no handler for the name, every filter declined it, or every"
                  + " handler slot stayed busy)");
        }
        throw new DispatchTimeoutException(
            command.id(), command.name(), DispatchTimeoutException.Stage.ACCEPTANCE, assign);
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
        CommandError error = outcome.error();
        if (error != null) {
          throw new CommandExecutionException(command.id(), command.name(), error, null);
        }
      }
    } finally {
      pending.remove(command.id(), p);
    }
  }

  private void onRequested(Requested requested) {
    Pending p = pending.get(requested.commandId());
    if (p != null && p.assignee.compareAndSet(null, requested.busId())) {
      publishAsync(CommandProtocol.ASSIGNED, new Assigned(requested.commandId(), requested.busId()));
    }
  }

  private void onAccepted(Accepted accepted) {
    Pending p = pending.get(accepted.commandId());
    if (p != null) {
      p.accepted.complete(accepted.busId());
    }
  }

  private void onExecuted(Executed executed) {
    Pending p = pending.get(executed.commandId());
    if (p != null) {
      p.accepted.complete(executed.busId()); // executed implies accepted, whatever arrives first
      p.executed.complete(executed);
    }
  }

  // ---- handler side ----

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

  private void onDispatched(Dispatched d, Metadata metadata) {
    HandlerTable.Entry<?> entry = handlers.get(d.name());
    if (entry == null) {
      return;
    }
    Object payload;
    try {
      payload = codec.decode(d.name(), d.payloadRevision(), d.payload());
    } catch (RuntimeException e) {
      // The dispatcher encoded it with its codec; ours disagrees. Declining lets the dispatcher
      // time out with a NoHandlerException instead of running the handler on garbage.
      LOG.log(Level.ERROR, "command bus " + busId + " cannot decode command " + d.commandId()
          + " '" + d.name() + "'; declining it", e);
      return;
    }
    AggregateTarget target =
        d.aggregateName() == null || d.aggregateId() == null
            ? null
            : new AggregateTarget(d.aggregateName(), d.aggregateId());
    Command<?> command = Command.of(d.commandId(), d.name(), payload, target, metadata);
    try {
      if (!entry.accepts(command)) {
        return;
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "the filter of '" + d.name() + "' failed on " + command + "; declining", e);
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(d.assignTimeoutMillis());
    lock.lock();
    try {
      if (offers.size() >= options.queueCapacity()) {
        LOG.log(Level.WARNING, "command bus " + busId + " has " + offers.size()
            + " offers waiting for a handler slot; declining " + command);
        return;
      }
      offers.put(command.id(), new Offer(command, entry, deadline));
    } finally {
      lock.unlock();
    }
    requestWhileSlotsFree();
  }

  /** Moves waiting offers into reserved slots and requests them, while slots are free. */
  private void requestWhileSlotsFree() {
    while (true) {
      Offer offer = null;
      lock.lock();
      try {
        if (closed || offers.isEmpty() || !slots.tryAcquire()) {
          return;
        }
        long now = System.nanoTime();
        for (Iterator<Offer> it = offers.values().iterator(); it.hasNext(); ) {
          Offer o = it.next();
          it.remove();
          if (now - o.deadlineNanos() < 0) {
            offer = o;
            break;
          }
        }
        if (offer == null) { // every waiting offer had expired: the dispatchers gave up
          slots.release();
          return;
        }
        UUID id = offer.command().id();
        long holdNanos = offer.deadlineNanos() - now + RESERVATION_GRACE.toNanos();
        ScheduledFuture<?> expiry;
        try {
          expiry = timer.schedule(() -> expire(id), holdNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // closed meanwhile
          slots.release();
          return;
        }
        reservations.put(id, new Reservation(offer.command(), offer.entry(), expiry));
      } finally {
        lock.unlock();
      }
      publishAsync(CommandProtocol.REQUESTED, new Requested(offer.command().id(), busId));
    }
  }

  private void expire(UUID commandId) {
    boolean released = false;
    lock.lock();
    try {
      if (reservations.remove(commandId) != null) {
        slots.release();
        released = true;
      }
    } finally {
      lock.unlock();
    }
    if (released) {
      requestWhileSlotsFree();
    }
  }

  private void onAssigned(Assigned assigned) {
    UUID id = assigned.commandId();
    boolean mine = assigned.busId().equals(busId);
    Reservation reservation;
    lock.lock();
    try {
      offers.remove(id); // assigned to someone: never request it again
      reservation = reservations.remove(id);
      if (reservation != null) {
        reservation.expiry().cancel(false);
        if (!mine) {
          slots.release();
        }
      }
    } finally {
      lock.unlock();
    }
    if (!mine) {
      if (reservation != null) {
        requestWhileSlotsFree();
      }
      return;
    }
    if (reservation == null) {
      // Our reservation expired before the assignment arrived: we do not accept what we may not
      // be able to run. The dispatcher reports a DispatchTimeoutException.
      LOG.log(Level.WARNING, "command bus " + busId + " was assigned command " + id
          + " after its reservation expired; not accepting it");
      return;
    }
    execute(reservation);
  }

  /** Accepts and runs a reserved, assigned command on a virtual thread, then reports it. */
  private void execute(Reservation reservation) {
    Command<?> command = reservation.command();
    try {
      Thread.ofVirtual().name("fabula-command-" + command.name()).start(() -> run(reservation));
    } catch (RuntimeException e) {
      releaseSlot();
      throw e;
    }
  }

  private void run(Reservation reservation) {
    Command<?> command = reservation.command();
    UUID id = command.id();
    try {
      events.publish(List.of(Event.create(CommandProtocol.ACCEPTED, new Accepted(id, busId))));
    } catch (RuntimeException e) {
      // Not accepted, so not run: the dispatcher times out rather than waiting for nothing.
      LOG.log(Level.ERROR, "command bus " + busId + " could not accept " + command, e);
      releaseSlot();
      return;
    }
    Execution.Outcome outcome;
    try {
      outcome = Execution.run(reservation.entry(), command, options.reporter());
    } finally {
      releaseSlot();
    }
    CommandError error = outcome.error();
    var executed =
        new Executed(
            id,
            busId,
            outcome.runtimeNanos(),
            error == null ? null : error.code(),
            error == null ? null : error.message(),
            error == null ? Map.of() : error.details());
    try {
      events.publish(List.of(Event.create(CommandProtocol.EXECUTED, executed)));
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "command bus " + busId + " ran " + command
          + " but could not report its outcome " + (error == null ? "(success)" : error), e);
    }
  }

  private void releaseSlot() {
    slots.release();
    requestWhileSlotsFree();
  }

  // ---- plumbing ----

  private void onEvent(Event<?> event) {
    switch (event.data()) {
      case Dispatched d -> onDispatched(d, event.metadata());
      case Requested r -> onRequested(r);
      case Assigned a -> onAssigned(a);
      case Accepted a -> onAccepted(a);
      case Executed x -> onExecuted(x);
      default ->
          LOG.log(Level.WARNING, "command bus " + busId + " ignores " + event + " carrying a "
              + event.data().getClass().getName());
    }
  }

  private void publishAsync(String name, Object data) {
    Event<Object> event = Event.create(name, data);
    Thread.ofVirtual()
        .name("fabula-command-publish")
        .start(
            () -> {
              try {
                events.publish(List.of(event));
              } catch (ClosedException e) {
                LOG.log(Level.DEBUG, "event bus closed; dropped protocol event " + event);
              } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "command bus " + busId + " could not publish " + event, e);
              }
            });
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    subscription.close();
    timer.shutdownNow();
    List<Reservation> held;
    lock.lock();
    try {
      offers.clear();
      held = new ArrayList<>(reservations.values());
      reservations.clear();
    } finally {
      lock.unlock();
    }
    held.forEach(r -> slots.release());
    var closedException = new ClosedException("command bus");
    pending.values().forEach(p -> {
      p.accepted.completeExceptionally(closedException);
      p.executed.completeExceptionally(closedException);
    });
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
