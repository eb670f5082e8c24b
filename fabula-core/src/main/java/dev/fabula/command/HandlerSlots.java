package dev.fabula.command;

import dev.fabula.spi.CommandProtocol;
import dev.fabula.spi.CommandProtocol.Assigned;
import dev.fabula.spi.CommandProtocol.Dispatched;
import dev.fabula.spi.CommandProtocol.Released;
import dev.fabula.spi.CommandProtocol.Requested;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The handler slots of a {@link DistributedCommandBus}: claims a slot for each command it offers
 * to run before requesting it, and frees the slot when the command goes elsewhere, is run, is
 * given back, or its reservation expires.
 *
 * <p>A bus requests a dispatched command only after it reserved a handler slot, so that when the
 * command is assigned to it, it can accept and start it at once. Offers that arrive while every
 * slot is taken wait in a bounded queue and are requested as slots free up, until the
 * dispatcher's assign timeout passes. A reservation is released when the command is assigned to
 * another bus, or when no assignment came within the assign timeout plus {@link
 * #RESERVATION_GRACE} (the dispatcher is gone). Closing gives back, with {@link Released}, every
 * command a slot is held for, so that its dispatcher places it elsewhere at once.
 *
 * <p>Everything is kept per command id and dispatch id ({@link Dispatched#dispatchId()}): the
 * records of another dispatch of the same command never settle, assign or free what is held for
 * this one, and an announcement of a new dispatch of a settled command is offered again.
 */
final class HandlerSlots {
  /** How long past the dispatcher's assign timeout a requester holds its reserved slot. */
  static final Duration RESERVATION_GRACE = Duration.ofSeconds(1);

  /** How many settled commands a bus remembers, to ignore their announcements arriving late. */
  static final int MAX_SETTLED = 8_192;

  /** The dispatch of a command last settled, and the highest attempt of it assigned. */
  private record Settled(UUID dispatchId, int attempt) {}

  private static final System.Logger LOG = System.getLogger(CommandBus.class.getName());

  /** A slot held for a requested command, until it is assigned, expires or is given back. */
  record Reservation(
      Command<?> command,
      HandlerTable.Entry<?> entry,
      ScheduledFuture<?> expiry,
      UUID dispatchId,
      int attempt) {}

  private record Offer(
      Command<?> command,
      HandlerTable.Entry<?> entry,
      long deadlineNanos,
      UUID dispatchId,
      int attempt) {}

  private final String busId;
  private final ProtocolPublisher publisher;
  private final ScheduledExecutorService timer;
  private final int queueCapacity;
  /** Whether the bus is closed: then no waiting offer is requested any more. */
  private final BooleanSupplier closed;
  private final Semaphore slots;

  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock: offers waiting for a free slot, oldest first; and the slots held for requests
  private final LinkedHashMap<UUID, Offer> offers = new LinkedHashMap<>();
  private final Map<UUID, Reservation> reservations = new HashMap<>();
  // guarded by lock: commands assigned (to the highest attempt noted) or accepted elsewhere, with
  // the dispatch that settled them, oldest first, bounded. Events of one command published by
  // different buses may reach this bus in another order than they were published (another bus's
  // assignment before the dispatcher's announcement); this is how a late announcement is
  // recognised as settled. An announcement of another dispatch is a new dispatch of the command
  // (a retry, or a workflow effect dispatched again with its id), offered as any other.
  private final LinkedHashMap<UUID, Settled> settled =
      new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Settled> eldest) {
          return size() > MAX_SETTLED;
        }
      };

  HandlerSlots(
      String busId,
      ProtocolPublisher publisher,
      ScheduledExecutorService timer,
      CommandBusOptions options,
      BooleanSupplier closed) {
    this.busId = busId;
    this.publisher = publisher;
    this.timer = timer;
    this.queueCapacity = options.queueCapacity();
    this.closed = closed;
    this.slots = new Semaphore(options.concurrency());
  }

  /**
   * Queues (or requests) an announced command this bus can run, decoded as {@code command}, for
   * handler {@code entry}.
   *
   * @return false when this bus will not request it (the queue of waiting offers is full)
   */
  boolean offer(Dispatched d, Command<?> command, HandlerTable.Entry<?> entry) {
    UUID id = command.id();
    UUID dispatch = d.dispatchId();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(d.assignTimeoutMillis());
    Requested again = null;
    boolean declined = false;
    lock.lock();
    try {
      Settled done = settled.get(id);
      if (done != null && done.dispatchId().equals(dispatch) && done.attempt() >= d.attempt()) {
        return true; // assigned or running elsewhere already: this announcement came late
      }
      if (done != null && !done.dispatchId().equals(dispatch)) {
        settled.remove(id); // a new dispatch of a command settled before
      }
      Reservation held = reservations.get(id);
      Offer queued = offers.get(id);
      if (held != null && !held.dispatchId().equals(dispatch)) {
        // Held for an earlier dispatch of this command that never assigned it: one command id is
        // dispatched by one dispatcher at a time, so that dispatch is over. Free its slot.
        reservations.remove(id);
        held.expiry().cancel(false);
        slots.release();
        held = null;
      }
      if (queued != null && !queued.dispatchId().equals(dispatch)) {
        offers.remove(id);
        queued = null;
      }
      if (held != null) {
        if (held.attempt() >= d.attempt()) {
          return true; // the same announcement again: we asked already
        }
        // A new attempt of a command we hold a slot for (it went to a bus that gave it back):
        // ask again with the slot we hold.
        reservations.put(
            id,
            new Reservation(held.command(), held.entry(), held.expiry(), dispatch, d.attempt()));
        again = new Requested(id, dispatch, busId, d.attempt());
      } else if (queued != null) {
        offers.put(
            id,
            new Offer(queued.command(), queued.entry(), deadline, dispatch,
                Math.max(queued.attempt(), d.attempt())));
      } else if (offers.size() >= queueCapacity) {
        LOG.log(Level.WARNING, "command bus " + busId + " has " + offers.size()
            + " offers waiting for a handler slot; declining " + command);
        declined = true;
      } else {
        offers.put(id, new Offer(command, entry, deadline, dispatch, d.attempt()));
      }
    } finally {
      lock.unlock();
    }
    if (again != null) {
      publisher.publishAsync(CommandProtocol.REQUESTED, again);
    }
    requestWhileSlotsFree(); // the new offer, or others if a slot was freed above
    return !declined;
  }

  /**
   * Forgets a command another bus runs in dispatch {@code dispatchId}: its offer, and its
   * reservation, whose slot is freed (a late announcement may have made this bus ask after the
   * assignment had passed it by).
   */
  void settleElsewhere(UUID commandId, UUID dispatchId) {
    Reservation held;
    lock.lock();
    try {
      settled.put(commandId, new Settled(dispatchId, Integer.MAX_VALUE));
      Offer queued = offers.get(commandId);
      if (queued != null && queued.dispatchId().equals(dispatchId)) {
        offers.remove(commandId);
      }
      held = reservations.get(commandId);
      if (held != null && !held.dispatchId().equals(dispatchId)) {
        held = null; // of another dispatch of the command
      }
      if (held != null) {
        reservations.remove(commandId);
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

  /**
   * A command was assigned: forgets its offer, and frees its slot unless it is this bus's to run.
   *
   * @return the reservation to run now (its slot stays taken until {@link #releaseSlot}), or null
   */
  @Nullable Reservation assigned(Assigned assigned) {
    UUID id = assigned.commandId();
    boolean withdrawn = assigned.busId().equals(ProtocolCodec.WITHDRAWN);
    boolean mine = assigned.busId().equals(busId);
    Reservation reservation = null;
    Reservation run = null;
    lock.lock();
    try {
      UUID dispatch = assigned.dispatchId();
      int attempt = withdrawn ? Integer.MAX_VALUE : assigned.attempt();
      Settled done = settled.get(id);
      if (done == null || !done.dispatchId().equals(dispatch) || done.attempt() < attempt) {
        settled.put(id, new Settled(dispatch, attempt));
      }
      Offer queued = offers.get(id);
      if (queued != null
          && queued.dispatchId().equals(dispatch)
          && (withdrawn || queued.attempt() <= assigned.attempt())) {
        offers.remove(id); // assigned to someone: never request it again
      }
      Reservation held = reservations.get(id);
      if (held != null
          && held.dispatchId().equals(dispatch)
          && (withdrawn || held.attempt() <= assigned.attempt())) {
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
      return run;
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
    return null;
  }

  /** Frees the slot of a reservation this bus will not run and tells the dispatcher so. */
  void giveBack(Reservation reservation) {
    publisher.publishAsync(
        CommandProtocol.RELEASED,
        new Released(
            reservation.command().id(), reservation.dispatchId(), busId, reservation.attempt()));
    releaseSlot();
  }

  /** Frees the slot of a command that ran (or will not), and requests waiting offers. */
  void releaseSlot() {
    slots.release();
    requestWhileSlotsFree();
  }

  /** Moves waiting offers into reserved slots and requests them, while slots are free. */
  private void requestWhileSlotsFree() {
    while (true) {
      Offer offer = null;
      lock.lock();
      try {
        if (closed.getAsBoolean() || offers.isEmpty() || !slots.tryAcquire()) {
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
        UUID dispatch = offer.dispatchId();
        long holdNanos = offer.deadlineNanos() - now + RESERVATION_GRACE.toNanos();
        ScheduledFuture<?> expiry;
        try {
          expiry = timer.schedule(() -> expire(id, dispatch), holdNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // closed meanwhile
          slots.release();
          return;
        }
        reservations.put(
            id, new Reservation(offer.command(), offer.entry(), expiry, dispatch, offer.attempt()));
      } finally {
        lock.unlock();
      }
      publisher.publishAsync(
          CommandProtocol.REQUESTED,
          new Requested(offer.command().id(), offer.dispatchId(), busId, offer.attempt()));
    }
  }

  private void expire(UUID commandId, UUID dispatchId) {
    try {
      boolean released = false;
      lock.lock();
      try {
        Reservation held = reservations.get(commandId);
        if (held != null && held.dispatchId().equals(dispatchId)) {
          reservations.remove(commandId);
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

  /**
   * The bus closed: drops the waiting offers and gives back what it requested and has not started,
   * so that the dispatchers place it on another bus at once instead of waiting for an acceptance
   * that will never come.
   */
  void close() {
    List<Reservation> held;
    lock.lock();
    try {
      offers.clear();
      held = new ArrayList<>(reservations.values());
      reservations.clear();
    } finally {
      lock.unlock();
    }
    held.forEach(r -> {
      r.expiry().cancel(false);
      publisher.publishAsync(
          CommandProtocol.RELEASED,
          new Released(r.command().id(), r.dispatchId(), busId, r.attempt()));
      slots.release();
    });
  }
}
