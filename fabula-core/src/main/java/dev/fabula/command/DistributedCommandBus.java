package dev.fabula.command;

import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Metadata;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * <p>Affinity: every bus notes, from the {@link Accepted} events it sees, which bus accepted the
 * latest command for each aggregate (the last {@value #MAX_OWNERS} aggregates). Dispatching a
 * command for an aggregate with a known owner, a bus assigns it only to that owner for up to
 * {@link CommandBusOptions#affinityWait()} (at most half the assign timeout); requests of other
 * buses are kept as fallbacks and the first of them gets the command when the wait ends or the
 * owner declines. So an aggregate's commands run in one process while it lives and has a slot
 * free within the wait, and that process's cache and turn-taking (ADR 0006, 0007) keep working.
 *
 * <p>A bus gives back what it requested and has not started: when it closes (or cannot start a
 * handler) it publishes {@link Released} for each command it holds a slot for, and a dispatcher
 * whose assignee gave the command back places it again with the rest of its assign timeout (see
 * {@link CommandProtocol}). So closing one of several handler buses never strands a command.
 *
 * <p>Every failure met outside a handler, of any {@link Throwable} (a filter that throws, a
 * payload this bus cannot decode, a protocol event it cannot publish), is logged at {@code ERROR}
 * by the {@link System.Logger} named {@code dev.fabula.command.CommandBus}, and the bus goes on:
 * the command concerned is declined or given back, never silently held.
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

  /** How many settled commands a bus remembers, to ignore their announcements arriving late. */
  static final int MAX_SETTLED = 8_192;

  /** How many aggregates a bus remembers the owning bus of. */
  static final int MAX_OWNERS = 100_000;

  /** The assignee of a command whose dispatcher gave up: no bus. */
  static final String WITHDRAWN = "";

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
  // guarded by lock: commands assigned (to the highest attempt noted) or accepted elsewhere,
  // newest last, bounded. Events of one command published by different buses may reach this bus
  // in another order than they were published (another bus's assignment before the dispatcher's
  // announcement); this is how a late announcement is recognised as settled.
  private final LinkedHashMap<UUID, Integer> settled =
      new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Integer> eldest) {
          return size() > MAX_SETTLED;
        }
      };

  private final ReentrantLock ownersLock = new ReentrantLock();
  // guarded by ownersLock: which bus accepted the latest command for each aggregate, least recently
  // used first, bounded
  private final LinkedHashMap<AggregateTarget, String> owners =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<AggregateTarget, String> eldest) {
          return size() > MAX_OWNERS;
        }
      };

  private volatile boolean closed;

  private record Offer(
      Command<?> command, HandlerTable.Entry<?> entry, long deadlineNanos, int attempt) {}

  private record Reservation(
      Command<?> command, HandlerTable.Entry<?> entry, ScheduledFuture<?> expiry, int attempt) {}

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
    Duration affinity = min(options.affinityWait(), assign.dividedBy(2));
    String preferred = target == null || affinity.isZero() ? null : owner(target);
    var announced =
        new Dispatched(
            command.id(),
            command.name(),
            target == null ? null : target.name(),
            target == null ? null : target.id(),
            revision,
            payload,
            assign.toMillis(),
            1,
            preferred);

    var p = new Pending(announced, command.metadata(), System.nanoTime() + assign.toNanos());
    p.preferred = preferred;
    p.preferring = preferred != null;
    if (pending.putIfAbsent(command.id(), p) != null) {
      throw new IllegalStateException(
          "command " + command.id() + " is already being dispatched by this bus; give each"
              + " dispatch its own id");
    }
    try {
      if (closed) {
        throw new ClosedException("command bus");
      }
      if (preferred != null) {
        try {
          timer.schedule(() -> endPreference(p, 1), affinity.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // closing: no preference
          endPreference(p, 1);
        }
      }
      events.publish(
          List.of(Event.create(CommandProtocol.DISPATCHED, announced).withMetadata(command.metadata())));
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
      p.assignee = WITHDRAWN;
      attempt = p.attempt;
      releases = p.givenBack;
    } finally {
      p.lock.unlock();
    }
    // Assigning to nobody tells every bus that requested it, or keeps it queued, to let go.
    publishAsync(CommandProtocol.ASSIGNED, new Assigned(command.id(), WITHDRAWN, attempt));
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

  private void onRequested(Requested requested) {
    Pending p = pending.get(requested.commandId());
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
    publishAsync(
        CommandProtocol.ASSIGNED, new Assigned(requested.commandId(), requested.busId(), attempt));
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
      publishAsync(
          CommandProtocol.ASSIGNED, new Assigned(p.announced.commandId(), assignee, attempt));
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

  private void onReleased(Released released) {
    Pending p = pending.get(released.commandId());
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
        Dispatched first = p.announced;
        again =
            new Dispatched(
                first.commandId(),
                first.name(),
                first.aggregateName(),
                first.aggregateId(),
                first.payloadRevision(),
                first.payload(),
                remainingMillis,
                p.attempt,
                null);
      }
    } finally {
      p.lock.unlock();
    }
    if (again == null) {
      endPreference(p, released.attempt());
      return;
    }
    publishAsync(Event.create(CommandProtocol.DISPATCHED, again).withMetadata(p.metadata));
  }

  /** The bus that accepted the latest command for {@code target}, if this bus heard of one. */
  private @Nullable String owner(AggregateTarget target) {
    ownersLock.lock();
    try {
      return owners.get(target);
    } finally {
      ownersLock.unlock();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void onAccepted(Accepted accepted) {
    if (!accepted.busId().equals(busId)) {
      settleElsewhere(accepted.commandId());
    }
    if (accepted.aggregateName() != null && accepted.aggregateId() != null) {
      var target = new AggregateTarget(accepted.aggregateName(), accepted.aggregateId());
      ownersLock.lock();
      try {
        owners.put(target, accepted.busId());
      } finally {
        ownersLock.unlock();
      }
    }
    Pending p = pending.get(accepted.commandId());
    if (p != null) {
      p.accepted.complete(accepted.busId());
    }
  }

  private void onExecuted(Executed executed) {
    if (!executed.busId().equals(busId)) {
      settleElsewhere(executed.commandId());
    }
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
    if (!offer(d, metadata) && busId.equals(d.preferredBus())) {
      // The dispatcher holds out for us: tell it at once that we will not ask.
      publishAsync(CommandProtocol.RELEASED, new Released(d.commandId(), busId, d.attempt()));
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
      payload = codec.decode(d.name(), d.payloadRevision(), d.payload());
    } catch (Throwable e) {
      // The dispatcher encoded it with its codec; ours disagrees. Declining lets the dispatcher
      // time out with a NoHandlerException instead of running the handler on garbage.
      LOG.log(Level.ERROR, "command bus " + busId + " cannot decode command " + d.commandId()
          + " '" + d.name() + "'; declining it", e);
      return false;
    }
    AggregateTarget target =
        d.aggregateName() == null || d.aggregateId() == null
            ? null
            : new AggregateTarget(d.aggregateName(), d.aggregateId());
    Command<?> command = Command.of(d.commandId(), d.name(), payload, target, metadata);
    try {
      if (!entry.accepts(command)) {
        return false;
      }
    } catch (Throwable e) { // an Error too: this bus declines, others may take it
      LOG.log(Level.ERROR, "command bus " + busId + ": the filter of '" + d.name()
          + "' failed on " + command + "; declining it", e);
      return false;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(d.assignTimeoutMillis());
    Requested again = null;
    lock.lock();
    try {
      Integer settledAttempt = settled.get(command.id());
      if (settledAttempt != null && settledAttempt >= d.attempt()) {
        return true; // assigned or running elsewhere already: this announcement came late
      }
      Reservation held = reservations.get(command.id());
      Offer queued = offers.get(command.id());
      if (held != null) {
        if (held.attempt() >= d.attempt()) {
          return true; // the same announcement again: we asked already
        }
        // A new attempt of a command we hold a slot for (it went to a bus that gave it back):
        // ask again with the slot we hold.
        reservations.put(command.id(), new Reservation(held.command(), held.entry(), held.expiry(), d.attempt()));
        again = new Requested(command.id(), busId, d.attempt());
      } else if (queued != null) {
        offers.put(
            command.id(),
            new Offer(queued.command(), queued.entry(), deadline, Math.max(queued.attempt(), d.attempt())));
        return true;
      } else {
        if (offers.size() >= options.queueCapacity()) {
          LOG.log(Level.WARNING, "command bus " + busId + " has " + offers.size()
              + " offers waiting for a handler slot; declining " + command);
          return false;
        }
        offers.put(command.id(), new Offer(command, entry, deadline, d.attempt()));
      }
    } finally {
      lock.unlock();
    }
    if (again != null) {
      publishAsync(CommandProtocol.REQUESTED, again);
      return true;
    }
    requestWhileSlotsFree();
    return true;
  }

  /**
   * Forgets a command another bus runs: its offer, and its reservation, whose slot is freed (a
   * late announcement may have made this bus ask after the assignment had passed it by).
   */
  private void settleElsewhere(UUID commandId) {
    Reservation held;
    lock.lock();
    try {
      settled.put(commandId, Integer.MAX_VALUE);
      offers.remove(commandId);
      held = reservations.remove(commandId);
      if (held != null) {
        held.expiry().cancel(false);
        slots.release();
      }
    } finally {
      lock.unlock();
    }
    if (held != null) {
      requestWhileSlotsFree();
    }
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
        reservations.put(id, new Reservation(offer.command(), offer.entry(), expiry, offer.attempt()));
      } finally {
        lock.unlock();
      }
      publishAsync(
          CommandProtocol.REQUESTED, new Requested(offer.command().id(), busId, offer.attempt()));
    }
  }

  private void expire(UUID commandId) {
    try {
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
    } catch (Throwable e) { // the timer would keep it in a future nobody reads
      LOG.log(Level.ERROR, "command bus " + busId + " failed to expire its reservation of "
          + commandId, e);
    }
  }

  private void onAssigned(Assigned assigned) {
    UUID id = assigned.commandId();
    boolean withdrawn = assigned.busId().equals(WITHDRAWN);
    boolean mine = assigned.busId().equals(busId);
    Reservation reservation = null;
    Reservation run = null;
    lock.lock();
    try {
      settled.merge(id, withdrawn ? Integer.MAX_VALUE : assigned.attempt(), Math::max);
      Offer queued = offers.get(id);
      if (queued != null && (withdrawn || queued.attempt() <= assigned.attempt())) {
        offers.remove(id); // assigned to someone: never request it again
      }
      Reservation held = reservations.get(id);
      if (held != null && (withdrawn || held.attempt() <= assigned.attempt())) {
        reservations.remove(id);
        held.expiry().cancel(false);
        if (mine && held.attempt() == assigned.attempt()) {
          run = held;
        } else {
          slots.release();
          reservation = held;
        }
      }
    } finally {
      lock.unlock();
    }
    if (run != null) {
      execute(run);
      return;
    }
    if (reservation != null) {
      requestWhileSlotsFree();
    }
    if (mine) {
      // Our reservation expired before the assignment arrived (or this is a second delivery of
      // an assignment we ran already): we do not accept what we may not be able to run. The
      // dispatcher reports a DispatchTimeoutException.
      LOG.log(Level.WARNING, "command bus " + busId + " was assigned command " + id
          + " without holding a slot for it (its reservation expired, or the assignment came"
          + " twice); not accepting it");
    }
  }

  /** Accepts and runs a reserved, assigned command on a virtual thread, then reports it. */
  private void execute(Reservation reservation) {
    Command<?> command = reservation.command();
    try {
      Thread.ofVirtual().name("fabula-command-" + command.name()).start(() -> run(reservation));
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "command bus " + busId + " could not start the handler of " + command
          + "; giving it back", e);
      giveBack(reservation);
    }
  }

  private void run(Reservation reservation) {
    Command<?> command = reservation.command();
    UUID id = command.id();
    try {
      AggregateTarget target = command.aggregateOrNull();
      var accepted =
          new Accepted(
              id, busId, target == null ? null : target.name(), target == null ? null : target.id());
      events.publish(List.of(Event.create(CommandProtocol.ACCEPTED, accepted)));
    } catch (Throwable e) {
      // Not accepted, so not run: give it back, so the dispatcher can place it elsewhere.
      LOG.log(Level.ERROR, "command bus " + busId + " could not accept " + command
          + "; giving it back", e);
      giveBack(reservation);
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
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "command bus " + busId + " ran " + command
          + " but could not report its outcome " + (error == null ? "(success)" : error), e);
    }
  }

  /** Frees the slot of a reservation this bus will not run and tells the dispatcher so. */
  private void giveBack(Reservation reservation) {
    publishAsync(
        CommandProtocol.RELEASED,
        new Released(reservation.command().id(), busId, reservation.attempt()));
    releaseSlot();
  }

  private void releaseSlot() {
    slots.release();
    requestWhileSlotsFree();
  }

  // ---- plumbing ----

  private void onEvent(Event<?> event) {
    try {
      switch (event.data()) {
        case Dispatched d -> onDispatched(d, event.metadata());
        case Requested r -> onRequested(r);
        case Assigned a -> onAssigned(a);
        case Accepted a -> onAccepted(a);
        case Executed x -> onExecuted(x);
        case Released r -> onReleased(r);
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

  private void publishAsync(String name, Object data) {
    publishAsync(Event.create(name, data));
  }

  private void publishAsync(Event<?> event) {
    try {
      Thread.ofVirtual()
          .name("fabula-command-publish")
          .start(
              () -> {
                try {
                  events.publish(List.of(event));
                } catch (ClosedException e) {
                  LOG.log(Level.DEBUG, "event bus closed; dropped protocol event " + event);
                } catch (Throwable e) {
                  LOG.log(Level.ERROR, "command bus " + busId + " could not publish " + event, e);
                }
              });
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "command bus " + busId + " could not start publishing " + event, e);
    }
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
    // Give back what we asked for and have not started, so that the dispatchers place it on
    // another bus at once instead of waiting for an acceptance that will never come.
    held.forEach(r -> {
      r.expiry().cancel(false);
      publishAsync(CommandProtocol.RELEASED, new Released(r.command().id(), busId, r.attempt()));
      slots.release();
    });
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
