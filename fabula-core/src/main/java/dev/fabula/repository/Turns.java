package dev.fabula.repository;

import dev.fabula.FabulaException;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.spi.AggregateAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Runs concurrent {@code use} calls on one aggregate inside this process in turns, and lets the
 * uses queued for a turn share one save (ADR 0007, ADR 0009).
 *
 * <p>Turns keep the uses from racing each other to the same version and losing all but one
 * attempt to a conflict. One lock per aggregate that somebody is using right now (an entry lives
 * only while it has holders or waiters), so uses of different aggregates never wait on each other.
 * The turn is an optimisation, never what correctness rests on: the store's version check still
 * decides every save. That is why a wait is bounded: a caller still waiting after {@link
 * #MAX_WAIT} goes ahead without its turn (optimistically, as without turns), so nested uses that
 * wait on each other's aggregates cannot deadlock, only slow down.
 *
 * <p>With a cache, the uses queued for a turn share their save: each acts on its own fresh
 * aggregate restored from the state the use before it left in the open {@link SharedSave}, and
 * the last of them inserts every joined use's events at once. This class alone reads and writes
 * a turn's lock, its users and its open save.
 *
 * @param <A> the aggregate type
 */
final class Turns<A extends AggregateRoot> {
  private static final System.Logger LOG = System.getLogger(Turns.class.getName());
  private static final AggregateAccess<AggregateRoot> ACCESS = AggregateAccess.get(AggregateRoot.class);

  /** How long a caller waits for its turn before it goes ahead without one. */
  static final Duration MAX_WAIT = Duration.ofSeconds(1);

  /** At most this many events go into one shared insert; the use that reaches it saves at once. */
  static final int MAX_SHARED_EVENTS = 512;

  /**
   * How often a use that joined and gave up the turn checks that somebody will still save: it
   * takes the turn back and saves itself when it finds the turn free and the save not run.
   */
  static final Duration CHECK_EVERY = Duration.ofMillis(10);

  private final ConcurrentHashMap<UUID, Turn> turns = new ConcurrentHashMap<>();
  private final Loader<A> loader;
  private final Saver<A> saver;

  Turns(Loader<A> loader, Saver<A> saver) {
    this.loader = loader;
    this.saver = saver;
  }

  /**
   * One aggregate's lock, how many callers hold or wait for it (changed only in compute), and the
   * save its holders are sharing, if any (read and written only by the lock's holder).
   */
  static final class Turn {
    private final ReentrantLock lock = new ReentrantLock();
    private int users;
    private @Nullable SharedSave shared;

    private Turn() {}

    /** Whether the calling thread holds the turn (false after a wait that timed out). */
    boolean held() {
      return lock.isHeldByCurrentThread();
    }

    /** Whether the holder holds the turn more than once (a use inside a use of the same aggregate). */
    boolean nested() {
      return lock.getHoldCount() > 1;
    }

    /** Whether other callers wait for this turn right now. */
    boolean othersQueued() {
      return lock.hasQueuedThreads();
    }
  }

  /**
   * The changes of consecutive {@code use} calls on one aggregate that are saved in one insert
   * (ADR 0009). Lives on the aggregate's {@link Turn} while it is open. Its fields are written only
   * by the thread holding that turn's lock; the uses that joined and gave the turn up read the
   * outcome after {@link #done} opens, which orders those reads after the writes.
   *
   * <p>Each use restores its own aggregate from {@link #state}, the state after the uses before
   * it, so a use whose action throws leaves nothing behind.
   */
  private static final class SharedSave {
    /** The committed version the first use started from. */
    final int baseVersion;
    /** Every joined use's events, in the order they acted, metadata already merged. */
    final List<Event<?>> events = new ArrayList<>();
    /** The state after the last joined use; null when it cannot be handed on (see {@link #sealed}). */
    @Nullable Snapshot state;
    /** No further use may join: the last one deleted the aggregate or gave no state. */
    boolean sealed;
    /** Whether the insert ran; set before it starts, so nothing joins a save in flight. */
    boolean saved;
    /** Why the insert failed; null when it succeeded or has not run. */
    @Nullable RuntimeException failure;
    /** Opens once the insert ran (or failed). */
    final CountDownLatch done = new CountDownLatch(1);

    SharedSave(int baseVersion) {
      this.baseVersion = baseVersion;
    }

    /** Adds one use's events and the state they lead to (null: nobody can continue from it). */
    void join(List<Event<?>> changes, @Nullable Snapshot after) {
      events.addAll(changes);
      state = after;
      sealed |= after == null || events.size() >= MAX_SHARED_EVENTS;
    }
  }

  /** {@code use} in turns: fetch (or take the shared state), act, save. */
  A use(UUID id, Metadata metadata, Consumer<? super A> action) {
    Turn turn = enter(id);
    try {
      return saver.caches() && turn.held()
          ? actAndShareSave(turn, id, metadata, action)
          : saver.fetchActSave(id, metadata, action);
    } finally {
      leave(id, turn);
    }
  }

  /**
   * Waits for the turn on {@code id}. Returns the turn to give back with {@link #leave}; its lock
   * is held unless the wait timed out.
   *
   * @throws FabulaException when interrupted while waiting (the interrupt flag is kept)
   */
  Turn enter(UUID id) {
    Turn turn =
        turns.compute(
            id,
            (k, t) -> {
              Turn held = t == null ? new Turn() : t;
              held.users++;
              return held;
            });
    try {
      if (!turn.lock.tryLock(MAX_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
        LOG.log(
            System.Logger.Level.DEBUG,
            () -> "waited " + MAX_WAIT.toMillis() + " ms for a turn on aggregate " + id
                + "; going ahead without it (the save's version check decides)");
      }
      return turn;
    } catch (InterruptedException e) {
      release(id, turn);
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while waiting for a turn on aggregate " + id, e);
    }
  }

  /** Gives the turn back (unlocks if this thread holds it) and forgets it once nobody uses it. */
  void leave(UUID id, Turn turn) {
    if (turn.lock.isHeldByCurrentThread()) {
      turn.lock.unlock();
    }
    release(id, turn);
  }

  private void release(UUID id, Turn turn) {
    turns.computeIfPresent(id, (k, t) -> t == turn && --t.users == 0 ? null : t);
  }

  /** How many aggregates have a turn entry now (for tests). */
  int active() {
    return turns.size();
  }

  /**
   * {@code use} holding the turn, with a cache (ADR 0009). Acts on the state the uses before it
   * left in the open {@link SharedSave} (or on the cached or fetched state when none is open).
   * With no save open and nobody queued, it saves on its own; otherwise it joins the open save, or
   * opens one. When other uses are queued for the turn, it gives the turn to them and waits:
   * they act and join too, and the last to join inserts every joined use's events at once. Each
   * returns that insert's outcome; a conflict is retried as the retry policy allows, like {@link
   * Saver#fetchActSave}.
   */
  private A actAndShareSave(Turn turn, UUID id, Metadata metadata, Consumer<? super A> action) {
    for (int attempt = 1; ; attempt++) {
      SharedSave shared = turn.shared;
      A aggregate;
      try {
        Snapshot before = shared == null ? null : shared.state;
        aggregate = before == null ? null : loader.restored(id, before);
        if (aggregate == null) {
          if (shared != null) { // its state does not restore: save what it holds, start afresh
            saveShared(turn, id, shared);
            shared = null;
          }
          aggregate = saver.forUse(id);
        }
        action.accept(aggregate);
      } catch (RuntimeException | Error e) {
        saveUnlessOthersQueued(turn, id); // the uses that joined must not wait for this one
        throw e;
      }
      boolean movedOn = turn.shared != shared || (shared != null && shared.saved);
      if (movedOn || (shared == null && !turn.othersQueued())) {
        // Nobody to share a save with, or a nested use of this aggregate on this thread moved
        // it on while this action ran: a plain save, whose version check decides.
        try {
          saver.save(aggregate, metadata);
          return aggregate;
        } catch (ConcurrencyException e) {
          saver.pauseOrThrow(attempt, e);
          continue;
        }
      }
      List<Event<?>> changes = aggregate.changes();
      if (shared == null) {
        if (changes.isEmpty()) {
          return aggregate;
        }
        shared = new SharedSave(aggregate.committedVersion());
        turn.shared = shared;
      }
      if (!changes.isEmpty()) {
        shared.join(
            Saver.withMetadata(changes, metadata), aggregate.isDeleted() ? null : saver.stateOf(aggregate));
      }
      if (!shared.sealed && turn.othersQueued() && !turn.nested()) {
        turn.lock.unlock(); // the queued uses act and join; the last of them saves
        awaitSaved(turn, id, shared);
      } else {
        saveShared(turn, id, shared);
      }
      RuntimeException failure = shared.failure;
      if (failure == null) {
        ACCESS.markCommitted(aggregate);
        return aggregate;
      }
      if (!(failure instanceof ConcurrencyException conflict)) {
        throw failure;
      }
      saver.pauseOrThrow(attempt, conflict);
      if (!turn.held()) {
        turn.lock.lock();
      }
    }
  }

  /** Saves the open shared save (holding the turn) unless queued uses will join and save it. */
  private void saveUnlessOthersQueued(Turn turn, UUID id) {
    SharedSave open = turn.shared;
    if (open != null && turn.held() && !turn.othersQueued()) {
      saveShared(turn, id, open);
    }
  }

  /**
   * Waits, without the turn, until {@code shared} is saved. Should the uses it waited for stop
   * coming (a queued caller gave up its wait), it takes the turn back and saves it itself.
   */
  private void awaitSaved(Turn turn, UUID id, SharedSave shared) {
    boolean interrupted = false;
    while (true) {
      try {
        if (shared.done.await(CHECK_EVERY.toNanos(), TimeUnit.NANOSECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true; // its events are in the save: it must still see the outcome
        continue;
      }
      if (turn.lock.tryLock()) {
        try {
          if (!shared.saved) {
            saveShared(turn, id, shared);
          }
        } finally {
          turn.lock.unlock();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Inserts the events of a shared save (holding its turn) and records how that went. */
  private void saveShared(Turn turn, UUID id, SharedSave shared) {
    turn.shared = null;
    shared.saved = true;
    try {
      if (!shared.events.isEmpty()) {
        saver.insert(id, shared.events);
      }
    } catch (RuntimeException e) {
      shared.failure = e;
      return;
    } catch (Error e) {
      shared.failure =
          new FabulaException("the shared save of " + loader.aggregateName() + " " + id + " failed", e);
      throw e;
    } finally {
      shared.done.countDown();
    }
    if (!shared.events.isEmpty()) {
      saver.committed(id, shared.baseVersion, shared.state);
    }
  }
}
