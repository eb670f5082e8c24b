package dev.fabula.projection;

import dev.fabula.ClosedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Takes in one subscription's triggers and says when its next job is due: explicit requests,
 * events announced by the bus or the store (debounced), looks again for announced events the store
 * did not show yet, or, without a bus, the interval's ticks. Once stopped it refuses requests. Its
 * lock guards all of it.
 */
final class Triggers {
  /** With a custom clock, waits re-read it this often, since it need not follow real time. */
  private static final long CUSTOM_CLOCK_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** First and longest wait before looking again for announced events the store did not show yet. */
  private static final Duration RECHECK_FIRST = Duration.ofMillis(5);
  private static final Duration RECHECK_MAX = Duration.ofSeconds(1);
  /**
   * Looks again at most this often (about 15 s) for one announcement: a bus shared with another
   * store may announce positions this store never reaches.
   */
  private static final int RECHECK_ATTEMPTS = 20;

  /** A job to run: the trigger's options, and its completion ({@code null} for a due job nobody asked for). */
  record Request(TriggerOptions options, @Nullable CompletableFuture<Void> done) {}

  /** A job due by a debounced event, a look again, or a tick: nobody waits for it. */
  private static final Request DUE = new Request(TriggerOptions.defaults(), null);

  private final ScheduleOptions options;
  /** Whether events announce jobs (a bus), rather than an interval's ticks. */
  private final boolean followsBus;
  private final @Nullable Duration interval;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final ArrayDeque<Request> requests = new ArrayDeque<>();
  private final Debouncer debouncer;
  private @Nullable Instant nextTick;
  /**
   * The highest position announced by the bus or the store's insert listener. A store may show
   * an event to readers a little after announcing it (PostgreSQL shows a commit once every older
   * transaction ended): while a job's head is below it, the thread looks again, backing off.
   */
  private long announced;
  private @Nullable Instant recheckAt;
  private Duration recheckDelay = Duration.ZERO;
  private int recheckAttempts;
  private volatile boolean stopped;
  /** Why the thread stopped on its own; null while it runs or after a plain close. */
  private volatile @Nullable Throwable death;

  Triggers(ScheduleOptions options, boolean followsBus, @Nullable Duration interval) {
    this.options = options;
    this.followsBus = followsBus;
    this.interval = interval;
    this.debouncer = new Debouncer(options.debounce(), options.debounceCap());
  }

  /** Without a bus, the first tick is one interval from now. */
  void startTicking() {
    lock.lock();
    try {
      nextTick = options.clock().instant().plus(Objects.requireNonNull(interval));
    } finally {
      lock.unlock();
    }
  }

  /** The bus or the store announced an event at {@code position}: a debounced job is due. */
  void announce(long position) {
    lock.lock();
    try {
      announced = Math.max(announced, position);
      debouncer.onEvent(options.clock().instant());
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Asks for a job; the future completes when it ended (exceptionally once stopped). */
  CompletableFuture<Void> request(TriggerOptions triggerOptions) {
    var done = new CompletableFuture<Void>();
    lock.lock();
    try {
      if (stopped) {
        done.completeExceptionally(refusal());
      } else {
        requests.add(new Request(triggerOptions, done));
        wake.signal();
      }
    } finally {
      lock.unlock();
    }
    return done;
  }

  /** Why this subscription takes no more work. */
  private RuntimeException refusal() {
    Throwable why = death;
    return why != null
        ? new ScheduleStoppedException(why)
        : new ClosedException("projection schedule subscription");
  }

  /**
   * Waits until a job is due and returns it, requested ones first; {@code null} once stopped. An
   * interrupt only wakes it.
   */
  @Nullable Request next() {
    while (true) {
      lock.lock();
      try {
        while (true) {
          if (stopped) {
            return null;
          }
          Request request = requests.poll();
          if (request != null) {
            return request;
          }
          Instant now = options.clock().instant();
          Instant due = followsBus ? earlier(debouncer.deadline(), recheckAt) : nextTick;
          if (due != null && !now.isBefore(due)) {
            if (followsBus) {
              debouncer.clear();
              recheckAt = null;
            } else {
              nextTick = now.plus(Objects.requireNonNull(interval));
            }
            return DUE;
          }
          long waitNanos = due == null ? Long.MAX_VALUE : Debouncer.nanosUntil(now, due);
          if (options.customClock()) {
            waitNanos = Math.min(waitNanos, CUSTOM_CLOCK_SLICE_NANOS);
          }
          if (waitNanos == Long.MAX_VALUE) {
            wake.await();
          } else {
            wake.awaitNanos(waitNanos);
          }
        }
      } catch (InterruptedException e) {
        continue; // close() interrupts only to wake; the loop checks 'stopped'
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * A job read up to {@code head}: while that is short of an announced position, look again
   * later, backing off, a bounded number of times.
   */
  void jobRead(long head) {
    if (!followsBus) {
      return;
    }
    lock.lock();
    try {
      if (announced > head && recheckAttempts++ < RECHECK_ATTEMPTS) {
        recheckDelay =
            recheckDelay.isZero() ? RECHECK_FIRST : min(recheckDelay.multipliedBy(2), RECHECK_MAX);
        recheckAt = options.clock().instant().plus(recheckDelay);
      } else {
        announced = Math.min(announced, head); // reached, or given up on
        recheckAttempts = 0;
        recheckDelay = Duration.ZERO;
        recheckAt = null;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether no job is requested or due (debounced, or a look for announced events). */
  boolean nothingDue() {
    lock.lock();
    try {
      return requests.isEmpty() && debouncer.deadline() == null && recheckAt == null;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the subscription was stopped (closed, or its thread died): running jobs stop too. */
  boolean stopped() {
    return stopped;
  }

  /** Whether requests are still taken, read under the lock. */
  boolean active() {
    lock.lock();
    try {
      return !stopped;
    } finally {
      lock.unlock();
    }
  }

  /** Why the thread stopped on its own, or null. */
  @Nullable Throwable death() {
    return death;
  }

  /** The thread died of {@code t}: stop, and return the requests it will never run. */
  List<Request> die(Throwable t) {
    lock.lock();
    try {
      death = t;
      stopped = true;
      return drain();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops and wakes the thread; returns the requests it will never run, or {@code null} when it
   * was stopped already.
   */
  @Nullable List<Request> close() {
    lock.lock();
    try {
      if (stopped) {
        return null;
      }
      stopped = true;
      List<Request> pending = drain();
      wake.signalAll();
      return pending;
    } finally {
      lock.unlock();
    }
  }

  private List<Request> drain() {
    List<Request> pending = new ArrayList<>(requests);
    requests.clear();
    return pending;
  }

  private static @Nullable Instant earlier(@Nullable Instant a, @Nullable Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
