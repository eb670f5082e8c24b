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
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One subscription of a schedule: runs its handler's jobs on its own virtual thread, one at a time
 * as {@link Triggers} makes them due, and reports how each ended. A failure outside any job stops
 * the subscription visibly: it is reported, and further work is refused with a {@link
 * ScheduleStoppedException}.
 */
final class ScheduleSubscription implements Subscription, StoreJob.Context {
  /** How long closing waits for the thread after interrupting it, and closing's default grace before that. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  /**
   * What every subscription of one schedule shares: the schedule's settings, the projections'
   * cursors and dead letters, and the schedule's callbacks.
   *
   * @param progressed wakes waiters of {@link Schedule#awaitCaughtUp}: a job ended or a
   *     subscription stopped
   * @param detach removes a closed subscription from its schedule
   * @param closeGrace how long closing waits for a running job before interrupting it
   */
  record Setup(
      @Nullable EventBus bus,
      EventStore store,
      Set<String> names,
      EventQuery base,
      @Nullable Duration interval,
      ScheduleOptions options,
      Cursors cursors,
      DeadLetters deadLetters,
      Runnable progressed,
      Consumer<ScheduleSubscription> detach,
      Supplier<Duration> closeGrace) {}

  private final Setup setup;
  private final ScheduleOptions options;
  private final JobHandler handler;
  private final Triggers triggers;
  private final SubscriptionProgress progress;
  private @Nullable Subscription busSubscription;
  private @Nullable Subscription insertSubscription;
  private @Nullable Thread thread;
  private volatile boolean running;

  ScheduleSubscription(Setup setup, JobHandler handler) {
    this.setup = setup;
    this.options = setup.options();
    this.handler = handler;
    this.triggers = new Triggers(options, setup.bus() != null, setup.interval());
    this.progress = new SubscriptionProgress(setup.cursors());
  }

  /** Starts the thread; returns the catch-up job's completion, or null without catch-up. */
  @Nullable CompletableFuture<Void> start() {
    CompletableFuture<Void> catchUp = null;
    if (options.catchUp() != CatchUp.NONE) {
      catchUp = request(TriggerOptions.defaults());
    }
    EventBus bus = setup.bus();
    if (bus != null) {
      // Events published from now on trigger; earlier ones are read by the catch-up job or the
      // first triggered one, since jobs read the store, not the bus.
      busSubscription =
          bus.subscribe(
              setup.names(),
              e -> triggers.announce(e.position()),
              SubscriptionOptions.defaults()
                  .withErrorHandler(t -> ListenerCalls.safely(() -> options.listener().jobFailed(t))));
      if (setup.store() instanceof InsertNotifying notifying) {
        // The store tells us about its own inserts, so a schedule on a store nobody publishes
        // for (no EventStores.publishing) still follows it.
        insertSubscription = notifying.onInsert(this::onInsert);
      }
    } else {
      triggers.startTicking();
    }
    thread = Thread.ofVirtual().name("fabula-projection-schedule").start(this::run);
    return catchUp;
  }

  private void onInsert(List<Event<?>> stored) {
    Set<String> names = setup.names();
    long last = 0;
    for (Event<?> e : stored) {
      if (names.contains(EventBus.ALL) || names.contains(e.name())) {
        last = Math.max(last, e.position());
      }
    }
    if (last > 0) {
      triggers.announce(last);
    }
  }

  /** Asks for a job; the future completes when it ended. */
  CompletableFuture<Void> request(TriggerOptions triggerOptions) {
    return triggers.request(triggerOptions);
  }

  /** Whether a job runs now. */
  boolean running() {
    return running;
  }

  /** Whether no job runs, is requested or is due (debounced, or a look for announced events). */
  boolean idle() {
    return !running && triggers.nothingDue();
  }

  /** Throws {@link ScheduleStoppedException} if the thread stopped on a failure. */
  void ensureUsable() {
    Throwable why = triggers.death();
    if (why != null) {
      throw new ScheduleStoppedException(why);
    }
  }

  /** Where the subscription stands: its slowest projection, or where its jobs read up to. */
  long position() {
    return progress.position();
  }

  /** The first projection (or the subscription itself) short of {@code target}, or null. */
  SubscriptionProgress.@Nullable Behind behind(long target) {
    return progress.behind(target);
  }

  /** How many projections the subscription tracks (for tests). */
  int trackedProjections() {
    return progress.tracked();
  }

  private void run() {
    try {
      while (true) {
        Triggers.Request request = triggers.next();
        if (request == null) {
          return;
        }
        runJob(request);
        triggers.jobRead(progress.head());
      }
    } catch (Throwable t) {
      die(t);
    }
  }

  /**
   * The thread met a failure outside any job: report it, stop visibly, and refuse further work
   * with a {@link ScheduleStoppedException}.
   */
  private void die(Throwable t) {
    List<Triggers.Request> pending = triggers.die(t);
    closeSubscriptions();
    running = false;
    ListenerCalls.safely(() -> options.listener().jobFailed(t));
    pending.forEach(r -> fail(r, new ScheduleStoppedException(t)));
    setup.progressed().run();
  }

  private void runJob(Triggers.Request request) {
    TriggerOptions trigger = request.options();
    Throwable failure = null;
    try {
      progress.head(setup.store().lastPosition());
      long head = progress.head();
      long from = trigger.reset() ? 0 : progress.cursor();
      if (trigger.query().isPresent() && !trigger.reset()) {
        from = trigger.query().get().afterPosition();
      }
      var job = new StoreJob(setup.store(), setup.base(), from, head, trigger, this);
      progress.jobStarting();
      running = true;
      ListenerCalls.safely(
          () -> options.listener().jobStarted(ScheduleStatus.of(position(), head, true)));
      handler.handle(job);
      if (!triggers.stopped()) {
        job.settleReads();
        progress.jobSucceeded(job.narrowed());
      }
    } catch (ProjectionException e) {
      failure = e; // reported by the job when it happened
    } catch (Throwable e) { // an Error too: reported, and the next job still runs
      failure = e;
      if (!triggers.stopped()) { // closing stops a job; that is no failure to report
        Throwable reported = e;
        ListenerCalls.safely(() -> options.listener().jobFailed(reported));
      }
    } finally {
      progress.jobEnded();
      running = false;
      ListenerCalls.safely(
          () ->
              options
                  .listener()
                  .jobFinished(ScheduleStatus.of(position(), progress.head(), false)));
    }
    // The job answered an interrupt by stopping (and gave the flag to its handler); it must not
    // reach code completing the trigger's future here. The loop checks 'stopped' next anyway.
    Thread.interrupted();
    var done = request.done();
    if (done != null) {
      if (failure == null) {
        done.complete(null);
      } else {
        done.completeExceptionally(failure);
      }
    }
    setup.progressed().run();
  }

  private static void fail(Triggers.Request request, RuntimeException why) {
    var done = request.done();
    if (done != null) {
      done.completeExceptionally(why);
    }
  }

  @Override
  public ScheduleOptions options() {
    return options;
  }

  @Override
  public Cursors.Cursor cursor(Projection projection, long start) {
    return progress.cursor(projection, start);
  }

  @Override
  public void progressed(long p, boolean report) {
    if (report) {
      ListenerCalls.safely(
          () -> options.listener().progressed(ScheduleStatus.of(p, progress.head(), true)));
    }
  }

  @Override
  public void deadLetter(DeadLetter letter, Projection projection) {
    setup.deadLetters().add(letter, projection);
  }

  @Override
  public void projectionReset(Projection projection) {
    setup.deadLetters().dropFor(projection);
  }

  @Override
  public boolean cancelled() {
    return triggers.stopped();
  }

  @Override
  public boolean isActive() {
    return triggers.active();
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
    setup.detach().accept(this);
    List<Triggers.Request> pending = triggers.close();
    if (pending == null) {
      return;
    }
    closeSubscriptions();
    pending.forEach(r -> fail(r, new ClosedException("projection schedule subscription")));
    setup.progressed().run();
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      try {
        if (!t.join(setup.closeGrace().get())) {
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
