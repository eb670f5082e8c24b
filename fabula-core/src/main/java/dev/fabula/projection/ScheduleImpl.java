package dev.fabula.projection;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The continuous and periodic {@link Schedule}: keeps its subscriptions ({@link
 * ScheduleSubscription}, one job thread each), hands them triggers, and answers for them as a whole
 * (status, catching up, dead letters, closing).
 */
final class ScheduleImpl implements Schedule {
  private final EventStore store;
  private final ScheduleSubscription.Setup setup;
  private final List<ScheduleSubscription> runners = new CopyOnWriteArrayList<>();
  private final DeadLetters deadLetters;
  private final ScheduleListener listener;
  private final ScheduleOptions options;
  /** Signalled whenever a job ends or a subscription stops, for {@link #awaitCaughtUp}. */
  private final ReentrantLock progressLock = new ReentrantLock();
  private final Condition progressed = progressLock.newCondition();
  private volatile boolean closed;
  /** How long closing waits for a running job before interrupting it (tests shorten it). */
  private volatile Duration closeGrace = ScheduleSubscription.CLOSE_WAIT;

  ScheduleImpl(
      @Nullable EventBus bus,
      EventStore store,
      Set<String> names,
      @Nullable Duration interval,
      ScheduleOptions options) {
    this.store = Objects.requireNonNull(store, "store");
    Set<String> eventNames = Set.copyOf(Objects.requireNonNull(names, "names"));
    this.options = Objects.requireNonNull(options, "options");
    this.listener = options.listener();
    this.deadLetters = new DeadLetters(listener);
    if (eventNames.isEmpty()) {
      throw new IllegalArgumentException(
          "a schedule needs at least one event name, or \"" + EventBus.ALL + "\" for all");
    }
    for (String n : eventNames) {
      if (n.isBlank()) {
        throw new IllegalArgumentException("event names must not be blank");
      }
    }
    EventQuery base =
        eventNames.contains(EventBus.ALL)
            ? EventQuery.all()
            : EventQuery.builder().names(eventNames).build();
    this.setup =
        new ScheduleSubscription.Setup(
            bus,
            store,
            eventNames,
            base,
            interval,
            options,
            new Cursors(),
            deadLetters,
            this::signalProgress,
            runners::remove,
            () -> closeGrace);
  }

  @Override
  public Subscription subscribe(JobHandler handler) {
    Objects.requireNonNull(handler, "handler");
    ensureOpen();
    var runner = new ScheduleSubscription(setup, handler);
    runners.add(runner);
    if (closed) {
      runner.close();
      throw new ClosedException("projection schedule");
    }
    CompletableFuture<Void> catchUp = runner.start();
    if (setup.options().catchUp() == CatchUp.BLOCKING && catchUp != null) {
      try {
        catchUp.join();
      } catch (CompletionException e) {
        // The caller gets no handle to a subscription that failed: close it rather than leave it
        // running out of reach. Projections keep their positions; subscribing again resumes.
        runner.close();
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
          throw r;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new FabulaException("the catch-up job failed; the subscription is closed", cause);
      }
    }
    return runner;
  }

  @Override
  public CompletableFuture<Void> trigger(TriggerOptions triggerOptions) {
    Objects.requireNonNull(triggerOptions, "options");
    ensureOpen();
    List<CompletableFuture<Void>> jobs = new ArrayList<>();
    for (ScheduleSubscription r : runners) {
      jobs.add(r.request(triggerOptions));
    }
    return CompletableFuture.allOf(jobs.toArray(CompletableFuture[]::new));
  }

  @Override
  public void awaitCaughtUp(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
    }
    ensureOpen();
    if (runners.isEmpty()) {
      throw new IllegalStateException(
          "the schedule has no subscription: subscribe a projection before waiting for it");
    }
    long target = store.lastPosition();
    long start = System.nanoTime();
    long timeoutNanos = saturatedNanos(timeout);
    Map<ScheduleSubscription, CompletableFuture<Void>> nudges = null;
    progressLock.lock();
    try {
      while (true) {
        SubscriptionProgress.Behind behind = null;
        ScheduleSubscription behindRunner = null;
        for (ScheduleSubscription r : runners) {
          r.ensureUsable();
          behind = r.behind(target);
          if (behind != null) {
            behindRunner = r;
            break;
          }
        }
        if (behind == null) {
          return;
        }
        ensureOpen();
        if (nudges == null) {
          // Whatever woke the schedule or not, a job now brings it to the target.
          nudges = new HashMap<>();
          for (ScheduleSubscription r : runners) {
            if (r.behind(target) != null) {
              nudges.put(r, r.request(TriggerOptions.defaults()));
            }
          }
        }
        CompletableFuture<Void> nudge = nudges.get(behindRunner);
        if (behind.failure() != null && nudge != null && nudge.isDone() && behindRunner.idle()) {
          // The job run for this wait ended with the projection stopped on a failure, and no
          // other job is running or due: waiting longer cannot help.
          throw new CatchUpTimeoutException(
              behind.name(), behind.position(), target, null, behind.failure());
        }
        long left = timeoutNanos - (System.nanoTime() - start);
        if (left <= 0) {
          throw new CatchUpTimeoutException(
              behind.name(), behind.position(), target, timeout, behind.failure());
        }
        progressed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while waiting for projections to catch up", e);
    } finally {
      progressLock.unlock();
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  private void signalProgress() {
    progressLock.lock();
    try {
      progressed.signalAll();
    } finally {
      progressLock.unlock();
    }
  }

  @Override
  public ScheduleStatus status() {
    long head = store.lastPosition();
    long position = Long.MAX_VALUE;
    boolean running = false;
    for (ScheduleSubscription r : runners) {
      position = Math.min(position, r.position());
      running |= r.running();
    }
    return ScheduleStatus.of(position == Long.MAX_VALUE ? 0 : position, head, running);
  }

  @Override
  public List<DeadLetter> deadLetters() {
    return deadLetters.snapshot();
  }

  @Override
  public void retry(DeadLetter letter, Duration wait) {
    Objects.requireNonNull(letter, "letter");
    Objects.requireNonNull(wait, "wait");
    if (wait.isNegative()) {
      throw new IllegalArgumentException("wait must not be negative: " + wait);
    }
    ensureOpen();
    DeadLetterRetry.retry(deadLetters, store, options, letter, wait);
  }

  @Override
  public boolean evict(DeadLetter letter) {
    Objects.requireNonNull(letter, "letter");
    DeadLetter removed = deadLetters.evict(letter);
    if (removed == null) {
      return false;
    }
    deadLetters.report(List.of(removed), DeadLetter.Removal.EVICTED);
    return true;
  }

  /** Shortens the wait of {@link #close()} before it interrupts a running job (for tests). */
  void closeGrace(Duration grace) {
    closeGrace = Objects.requireNonNull(grace, "grace");
  }

  /** How many projections the subscriptions track for status and catching up (for tests). */
  int trackedProjections() {
    int n = 0;
    for (ScheduleSubscription r : runners) {
      n += r.trackedProjections();
    }
    return n;
  }

  @Override
  public void close() {
    closed = true;
    runners.forEach(ScheduleSubscription::close);
    signalProgress();
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("projection schedule");
    }
  }
}
