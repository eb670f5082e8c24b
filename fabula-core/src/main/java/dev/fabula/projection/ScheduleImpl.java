package dev.fabula.projection;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/** The continuous and periodic {@link Schedule}: one job thread per subscription. */
final class ScheduleImpl implements Schedule {
  static final int DEAD_LETTER_CAPACITY = 10_000;
  /** With a custom clock, waits re-read it this often, since it need not follow real time. */
  private static final long CUSTOM_CLOCK_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
  /** First and longest wait before looking again for announced events the store did not show yet. */
  private static final Duration RECHECK_FIRST = Duration.ofMillis(5);
  private static final Duration RECHECK_MAX = Duration.ofSeconds(1);
  /**
   * Looks again at most this often (about 15 s) for one announcement: a bus shared with another
   * store may announce positions this store never reaches.
   */
  private static final int RECHECK_ATTEMPTS = 20;

  private final @Nullable EventBus bus;
  private final EventStore store;
  private final Set<String> names;
  private final EventQuery base;
  private final @Nullable Duration interval;
  private final ScheduleOptions options;
  private final List<Runner> runners = new CopyOnWriteArrayList<>();
  private final Cursors cursors = new Cursors();
  private final ReentrantLock deadLettersLock = new ReentrantLock();
  private final ArrayDeque<DeadLetter> deadLetters = new ArrayDeque<>();
  /** Signalled whenever a job ends or a subscription stops, for {@link #awaitCaughtUp}. */
  private final ReentrantLock progressLock = new ReentrantLock();
  private final Condition progressed = progressLock.newCondition();
  private volatile boolean closed;
  /** How long closing waits for a running job before interrupting it (tests shorten it). */
  private volatile Duration closeGrace = CLOSE_WAIT;

  ScheduleImpl(
      @Nullable EventBus bus,
      EventStore store,
      Set<String> names,
      @Nullable Duration interval,
      ScheduleOptions options) {
    this.bus = bus;
    this.store = Objects.requireNonNull(store, "store");
    this.names = Set.copyOf(Objects.requireNonNull(names, "names"));
    this.interval = interval;
    this.options = Objects.requireNonNull(options, "options");
    if (this.names.isEmpty()) {
      throw new IllegalArgumentException(
          "a schedule needs at least one event name, or \"" + EventBus.ALL + "\" for all");
    }
    for (String n : this.names) {
      if (n.isBlank()) {
        throw new IllegalArgumentException("event names must not be blank");
      }
    }
    this.base =
        this.names.contains(EventBus.ALL)
            ? EventQuery.all()
            : EventQuery.builder().names(this.names).build();
  }

  @Override
  public Subscription subscribe(JobHandler handler) {
    Objects.requireNonNull(handler, "handler");
    ensureOpen();
    var runner = new Runner(handler);
    runners.add(runner);
    if (closed) {
      runner.close();
      throw new ClosedException("projection schedule");
    }
    CompletableFuture<Void> catchUp = runner.start();
    if (options.catchUp() == CatchUp.BLOCKING && catchUp != null) {
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
    for (Runner r : runners) {
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
    Map<Runner, CompletableFuture<Void>> nudges = null;
    progressLock.lock();
    try {
      while (true) {
        Behind behind = null;
        Runner behindRunner = null;
        for (Runner r : runners) {
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
          for (Runner r : runners) {
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

  private record Behind(String name, long position, @Nullable Throwable failure) {}

  @Override
  public ScheduleStatus status() {
    long head = store.lastPosition();
    long position = Long.MAX_VALUE;
    boolean running = false;
    for (Runner r : runners) {
      position = Math.min(position, r.position());
      running |= r.running;
    }
    return ScheduleStatus.of(position == Long.MAX_VALUE ? 0 : position, head, running);
  }

  @Override
  public List<DeadLetter> deadLetters() {
    deadLettersLock.lock();
    try {
      return List.copyOf(deadLetters);
    } finally {
      deadLettersLock.unlock();
    }
  }

  /** Shortens the wait of {@link #close()} before it interrupts a running job (for tests). */
  void closeGrace(Duration grace) {
    closeGrace = Objects.requireNonNull(grace, "grace");
  }

  /** How many projections the subscriptions track for status and catching up (for tests). */
  int trackedProjections() {
    int n = 0;
    for (Runner r : runners) {
      n += r.applied.size();
    }
    return n;
  }

  @Override
  public void close() {
    closed = true;
    runners.forEach(Runner::close);
    signalProgress();
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("projection schedule");
    }
  }

  private record Request(TriggerOptions options, CompletableFuture<Void> done) {}

  /** One subscription: its job thread, its triggers, its position. */
  private final class Runner implements Subscription, StoreJob.Context {
    private final JobHandler handler;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Request> requests = new ArrayDeque<>();
    private final Debouncer debouncer = new Debouncer(options.debounce(), options.debounceCap());
    /**
     * The projections this subscription's jobs apply: those of its last successful job, and of
     * jobs since (a projection built for each job must not stay behind here after its job).
     */
    private final Set<Cursors.Cursor> applied = ConcurrentHashMap.newKeySet();
    /** The projections the running job met (job thread only). */
    private final Set<Cursors.Cursor> met = new HashSet<>();
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
    private boolean stopped;
    /** Why the thread stopped on its own; null while it runs or after a plain close. */
    private volatile @Nullable Throwable death;
    private @Nullable Subscription busSubscription;
    private @Nullable Subscription insertSubscription;
    private @Nullable Thread thread;
    private volatile boolean cancelled;
    volatile boolean running;
    /** Where {@link Job#events()} starts: the head of the last whole, un-narrowed job. */
    private volatile long cursor;
    private volatile long head;

    Runner(JobHandler handler) {
      this.handler = handler;
    }

    /** Starts the thread; returns the catch-up job's completion, or null without catch-up. */
    @Nullable CompletableFuture<Void> start() {
      CompletableFuture<Void> catchUp = null;
      if (options.catchUp() != CatchUp.NONE) {
        catchUp = request(TriggerOptions.defaults());
      }
      if (bus != null) {
        // Events published from now on trigger; earlier ones are read by the catch-up job or the
        // first triggered one, since jobs read the store, not the bus.
        busSubscription =
            bus.subscribe(
                names,
                e -> onBusEvent(e.position()),
                SubscriptionOptions.defaults()
                    .withErrorHandler(t -> StoreJob.safely(() -> options.listener().jobFailed(t))));
        if (store instanceof InsertNotifying notifying) {
          // The store tells us about its own inserts, so a schedule on a store nobody publishes
          // for (no EventStores.publishing) still follows it.
          insertSubscription = notifying.onInsert(this::onInsert);
        }
      } else {
        nextTick = options.clock().instant().plus(Objects.requireNonNull(interval));
      }
      thread = Thread.ofVirtual().name("fabula-projection-schedule").start(this::run);
      return catchUp;
    }

    private void onInsert(List<Event<?>> stored) {
      long last = 0;
      for (Event<?> e : stored) {
        if (names.contains(EventBus.ALL) || names.contains(e.name())) {
          last = Math.max(last, e.position());
        }
      }
      if (last > 0) {
        onBusEvent(last);
      }
    }

    private void onBusEvent(long position) {
      lock.lock();
      try {
        announced = Math.max(announced, position);
        debouncer.onEvent(options.clock().instant());
        wake.signal();
      } finally {
        lock.unlock();
      }
    }

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

    /** Whether no job runs, is requested or is due (debounced, or a look for announced events). */
    boolean idle() {
      lock.lock();
      try {
        return !running && requests.isEmpty() && debouncer.deadline() == null && recheckAt == null;
      } finally {
        lock.unlock();
      }
    }

    /** Throws {@link ScheduleStoppedException} if the thread stopped on a failure. */
    void ensureUsable() {
      Throwable why = death;
      if (why != null) {
        throw new ScheduleStoppedException(why);
      }
    }

    /** Where the subscription stands: its slowest projection, or where its jobs read up to. */
    long position() {
      long min = Long.MAX_VALUE;
      for (Cursors.Cursor c : applied) {
        if (c.live()) {
          min = Math.min(min, c.position);
        }
      }
      return min == Long.MAX_VALUE ? cursor : min;
    }

    /** The first projection (or the subscription itself) short of {@code target}, or null. */
    @Nullable Behind behind(long target) {
      boolean any = false;
      for (Cursors.Cursor c : applied) {
        if (c.live()) {
          any = true;
          if (c.position < target) {
            return new Behind(c.name, c.position, c.failure);
          }
        }
      }
      if (!any && cursor < target) {
        return new Behind("(subscription of a job handler)", cursor, null);
      }
      return null;
    }

    private void run() {
      try {
        loop();
      } catch (Throwable t) {
        die(t);
      }
    }

    private void loop() {
      while (true) {
        Request request = null;
        lock.lock();
        try {
          while (true) {
            if (stopped) {
              return;
            }
            request = requests.poll();
            if (request != null) {
              break;
            }
            Instant now = options.clock().instant();
            Instant due = bus != null ? earlier(debouncer.deadline(), recheckAt) : nextTick;
            if (due != null && !now.isBefore(due)) {
              if (bus != null) {
                debouncer.clear();
                recheckAt = null;
              } else {
                nextTick = now.plus(Objects.requireNonNull(interval));
              }
              break;
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
        runJob(request);
        if (bus != null) {
          lock.lock();
          try {
            if (announced > head && recheckAttempts++ < RECHECK_ATTEMPTS) {
              recheckDelay =
                  recheckDelay.isZero()
                      ? RECHECK_FIRST
                      : min(recheckDelay.multipliedBy(2), RECHECK_MAX);
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
      }
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

    /**
     * The thread met a failure outside any job: report it, stop visibly, and refuse further work
     * with a {@link ScheduleStoppedException}.
     */
    private void die(Throwable t) {
      List<Request> pending;
      lock.lock();
      try {
        death = t;
        stopped = true;
        cancelled = true;
        pending = new ArrayList<>(requests);
        requests.clear();
      } finally {
        lock.unlock();
      }
      closeSubscriptions();
      running = false;
      StoreJob.safely(() -> options.listener().jobFailed(t));
      pending.forEach(r -> r.done().completeExceptionally(new ScheduleStoppedException(t)));
      signalProgress();
    }

    private void runJob(@Nullable Request request) {
      TriggerOptions trigger = request == null ? TriggerOptions.defaults() : request.options();
      Throwable failure = null;
      try {
        head = store.lastPosition();
        long from = trigger.reset() ? 0 : cursor;
        if (trigger.query().isPresent() && !trigger.reset()) {
          from = trigger.query().get().afterPosition();
        }
        var job = new StoreJob(store, base, from, head, trigger, this);
        met.clear();
        running = true;
        StoreJob.safely(
            () -> options.listener().jobStarted(ScheduleStatus.of(position(), head, true)));
        handler.handle(job);
        if (!cancelled) {
          job.settleReads();
          // The projections of this job are the subscription's now; one built for an earlier
          // job only is no longer anyone's read model.
          applied.retainAll(met);
          if (!job.narrowed()) {
            cursor = Math.max(cursor, head);
          }
        }
      } catch (ProjectionException e) {
        failure = e; // reported by the job when it happened
      } catch (Throwable e) { // an Error too: reported, and the next job still runs
        failure = e;
        if (!cancelled) { // closing stops a job; that is no failure to report
          Throwable reported = e;
          StoreJob.safely(() -> options.listener().jobFailed(reported));
        }
      } finally {
        met.clear();
        applied.removeIf(c -> !c.live());
        running = false;
        StoreJob.safely(
            () -> options.listener().jobFinished(ScheduleStatus.of(position(), head, false)));
      }
      // The job answered an interrupt by stopping (and gave the flag to its handler); it must not
      // reach code completing the trigger's future here. The loop checks 'stopped' next anyway.
      Thread.interrupted();
      if (request != null) {
        if (failure == null) {
          request.done().complete(null);
        } else {
          request.done().completeExceptionally(failure);
        }
      }
      signalProgress();
    }

    @Override
    public ScheduleOptions options() {
      return options;
    }

    @Override
    public Cursors.Cursor cursor(Projection projection, long start) {
      Cursors.Cursor c = cursors.of(projection, start);
      met.add(c);
      applied.add(c);
      return c;
    }

    @Override
    public void progressed(long p, boolean report) {
      if (report) {
        StoreJob.safely(() -> options.listener().progressed(ScheduleStatus.of(p, head, true)));
      }
    }

    @Override
    public void deadLetter(DeadLetter letter) {
      deadLettersLock.lock();
      try {
        if (deadLetters.size() == DEAD_LETTER_CAPACITY) {
          deadLetters.removeFirst();
        }
        deadLetters.addLast(letter);
      } finally {
        deadLettersLock.unlock();
      }
    }

    @Override
    public boolean cancelled() {
      return cancelled;
    }

    @Override
    public boolean isActive() {
      lock.lock();
      try {
        return !stopped;
      } finally {
        lock.unlock();
      }
    }

    private void closeSubscriptions() {
      Subscription sub = busSubscription;
      if (sub != null) {
        sub.close();
      }
      Subscription inserts = insertSubscription;
      if (inserts != null) {
        inserts.close();
      }
    }

    @Override
    public void close() {
      List<Request> pending;
      lock.lock();
      try {
        runners.remove(this);
        if (stopped) {
          return;
        }
        stopped = true;
        cancelled = true;
        pending = new ArrayList<>(requests);
        requests.clear();
        wake.signalAll();
      } finally {
        lock.unlock();
      }
      closeSubscriptions();
      pending.forEach(
          r -> r.done().completeExceptionally(new ClosedException("projection schedule subscription")));
      signalProgress();
      Thread t = thread;
      if (t != null && t != Thread.currentThread()) {
        try {
          if (!t.join(closeGrace)) {
            t.interrupt();
            t.join(CLOSE_WAIT);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FabulaException("interrupted while closing a projection schedule", e);
        }
      }
    }
  }
}
