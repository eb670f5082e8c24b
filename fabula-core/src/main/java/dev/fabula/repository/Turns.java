package dev.fabula.repository;

import dev.fabula.FabulaException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Lets concurrent {@code use} calls on one aggregate inside this process take turns, so they do
 * not race each other to the same version and lose all but one attempt to a conflict. One lock
 * per aggregate that somebody is using right now (an entry lives only while it has holders or
 * waiters), so uses of different aggregates never wait on each other.
 *
 * <p>The turn is an optimisation, never what correctness rests on: the store's version check
 * still decides every save. That is why a wait is bounded: a caller still waiting after {@link
 * #MAX_WAIT} goes ahead without its turn (optimistically, as without turns), so nested uses that
 * wait on each other's aggregates cannot deadlock, only slow down.
 */
final class Turns {
  private static final System.Logger LOG = System.getLogger(Turns.class.getName());

  /** How long a caller waits for its turn before it goes ahead without one. */
  static final Duration MAX_WAIT = Duration.ofSeconds(1);

  private final ConcurrentHashMap<UUID, Turn> turns = new ConcurrentHashMap<>();

  /**
   * One aggregate's lock, how many callers hold or wait for it (changed only in compute), and the
   * save its holders are sharing, if any (read and written only by the lock's holder).
   */
  static final class Turn {
    final ReentrantLock lock = new ReentrantLock();
    int users;
    @Nullable SharedSave shared;

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
}
