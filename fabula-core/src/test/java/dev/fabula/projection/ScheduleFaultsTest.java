package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.event.OutcomeUnknownException;
import dev.fabula.event.Subscription;
import dev.fabula.memory.InMemory;
import dev.fabula.proxy.CountingStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What issue 17 and 18 found in schedules: skipped and repeated events, dead threads, stalls. */
class ScheduleFaultsTest {
  private final EventStore raw = InMemory.eventStore();
  /** The schedules' store: does not notify, so only this test's triggers start jobs. */
  private final EventStore quiet = new CountingStore(raw);
  private final EventBus bus = InMemory.eventBus();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<ProjectionException> failures = new CopyOnWriteArrayList<>();
  private final List<Throwable> jobFailures = new CopyOnWriteArrayList<>();
  private final CountDownLatch jobFailed = new CountDownLatch(1);
  private final ScheduleListener recording =
      new ScheduleListener() {
        @Override
        public void failed(ProjectionException failure) {
          failures.add(failure);
        }

        @Override
        public void jobFailed(Throwable failure) {
          jobFailures.add(failure);
          jobFailed.countDown();
        }
      };

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
    bus.close();
    raw.close();
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private Schedule schedule(EventStore store, ScheduleOptions options) {
    return closing(Schedule.continuously(bus, store, Set.of("counted"), options));
  }

  private Schedule schedule(ScheduleOptions options) {
    return schedule(quiet, options);
  }

  private ScheduleOptions.Builder options() {
    return ScheduleOptions.builder().listener(recording).retryPolicy(RetryPolicy.none());
  }

  private List<Event<?>> insert(EventStore into, int n) {
    var out = new ArrayList<Event<?>>();
    for (int i = 0; i < n; i++) {
      out.addAll(into.insert(List.of(Event.create("counted", (long) i).withAggregate("thing", UUID.randomUUID(), 1))));
    }
    return out;
  }

  private static List<Long> positions(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  private static void await(CompletableFuture<Void> job) throws Exception {
    job.get(30, TimeUnit.SECONDS); // a job that never completes fails the test instead of hanging it
  }

  // ---- 1. A narrowed trigger moves nothing past what it did not deliver ----

  @Test
  void aNarrowedTriggerDoesNotMoveAPlainProjectionPastEventsItLeftOut() throws Exception {
    List<Event<?>> events = insert(raw, 6);
    var seen = new CopyOnWriteArrayList<Long>();
    Schedule schedule = schedule(options().build());
    schedule.project(e -> seen.add(e.position()));
    EventQuery some = EventQuery.builder().ids(events.get(0).id(), events.get(1).id(), events.get(3).id()).build();
    await(schedule.trigger(TriggerOptions.defaults().withFilters(some)));
    assertThat(seen).containsExactly(1L, 2L); // stops before event 3, which the filter left out
    await(schedule.trigger());
    assertThat(seen).isEqualTo(positions(1, 6));
  }

  @Test
  void aNarrowedTriggerDoesNotMoveProgressPastEventsItLeftOut() throws Exception {
    List<Event<?>> events = insert(raw, 6);
    var p = new CountingProjection("p");
    Schedule schedule = schedule(options().build());
    schedule.project(p);
    EventQuery query = EventQuery.builder().names("counted").ids(events.get(0).id(), events.get(4).id()).build();
    await(schedule.trigger(TriggerOptions.defaults().withQuery(query)));
    assertThat(p.progress()).isEqualTo(1);
    await(schedule.trigger());
    assertThat(p.progress()).isEqualTo(6);
    assertThat(p.applied).hasSize(6);
    assertThat(p.duplicates).isZero();
  }

  @Test
  void aNarrowedTriggerDoesNotMoveTheSubscriptionsPosition() throws Exception {
    List<Event<?>> events = insert(raw, 4);
    var seen = new CopyOnWriteArrayList<Long>();
    Schedule schedule = schedule(options().build());
    schedule.subscribe(job -> {
      try (Stream<Event<?>> s = job.events()) {
        s.forEach(e -> seen.add(e.position()));
      }
    });
    await(schedule.trigger(TriggerOptions.defaults().withFilters(EventQuery.builder().ids(events.get(3).id()).build())));
    assertThat(seen).containsExactly(4L);
    seen.clear();
    await(schedule.trigger());
    assertThat(seen).isEqualTo(positions(1, 4));
  }

  // ---- 2. A projection without progress resumes where it stopped, never twice ----

  @Test
  void aPlainProjectionResumesAfterAFailureAndNothingIsAppliedTwice() throws Exception {
    insert(raw, 100);
    var failingSeen = new CopyOnWriteArrayList<Long>();
    var healthySeen = new CopyOnWriteArrayList<Long>();
    var broken = new AtomicBoolean(true);
    Schedule schedule = schedule(options().build()); // default policy: STOP
    schedule.project(
        e -> {
          if (broken.get() && e.position() == 60) {
            throw new IllegalStateException("broken read model");
          }
          failingSeen.add(e.position());
        },
        e -> healthySeen.add(e.position()));
    assertThatThrownBy(() -> await(schedule.trigger())).hasCauseInstanceOf(ProjectionException.class);
    assertThat(failingSeen).isEqualTo(positions(1, 59));
    assertThat(healthySeen).isEqualTo(positions(1, 100));

    broken.set(false);
    await(schedule.trigger());
    assertThat(failingSeen).isEqualTo(positions(1, 100));
    assertThat(healthySeen).isEqualTo(positions(1, 100));
    assertThat(schedule.status().position()).isEqualTo(100);
  }

  @Test
  void aRebuildOfAProjectionThatCannotResetIsRefusedInsteadOfApplyingEverythingTwice() throws Exception {
    insert(raw, 3);
    var seen = new CopyOnWriteArrayList<Long>();
    Schedule schedule = schedule(options().build());
    schedule.project(e -> seen.add(e.position()));
    await(schedule.trigger());
    assertThatThrownBy(() -> await(schedule.trigger(TriggerOptions.rebuild())))
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not Resettable");
    assertThat(seen).isEqualTo(positions(1, 3));
  }

  // ---- 3. Any Throwable is reported; the schedule goes on or stops visibly ----

  @Test
  void anErrorThrownByAProjectionIsReportedAndLaterEventsAreStillApplied() throws Exception {
    insert(raw, 3);
    var broken = new AtomicReference<Error>(new StackOverflowError());
    var p = new CountingProjection("deep");
    p.failOn =
        e -> {
          Error error = broken.get();
          if (error != null && e.position() == 2) {
            throw error;
          }
          return false;
        };
    Schedule schedule = schedule(options().build());
    Subscription sub = schedule.project(p);
    assertThatThrownBy(() -> await(schedule.trigger()))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ProjectionException.class)
        .hasCauseInstanceOf(StackOverflowError.class);
    assertThat(failures).singleElement().satisfies(f -> assertThat(f.projection()).isEqualTo("deep"));
    assertThat(sub.isActive()).isTrue();
    assertThat(p.progress()).isEqualTo(1);

    broken.set(new AssertionError("still broken"));
    assertThatThrownBy(() -> await(schedule.trigger())).hasRootCauseInstanceOf(AssertionError.class);
    broken.set(null);
    insert(raw, 2);
    await(schedule.trigger());
    assertThat(p.progress()).isEqualTo(5);
    assertThat(p.duplicates).isZero();
  }

  @Test
  void anErrorThrownByAJobHandlerFailsThatJobOnlyAndIsReported() throws Exception {
    insert(raw, 2);
    var calls = new AtomicInteger();
    Schedule schedule = schedule(options().build());
    Subscription sub = schedule.subscribe(job -> {
      if (calls.incrementAndGet() == 1) {
        throw new AssertionError("handler bug");
      }
    });
    assertThatThrownBy(() -> await(schedule.trigger())).hasCauseInstanceOf(AssertionError.class);
    assertThat(jobFailures).singleElement().isInstanceOf(AssertionError.class);
    await(schedule.trigger());
    assertThat(calls).hasValue(2);
    assertThat(sub.isActive()).isTrue();
  }

  /** A clock that throws an {@link Error} once armed. */
  static final class BreakingClock implements InstantSource {
    final AtomicBoolean armed = new AtomicBoolean();

    @Override
    public Instant instant() {
      if (armed.get()) {
        throw new AssertionError("clock broke");
      }
      return Instant.parse("2025-01-01T00:00:00Z");
    }
  }

  @Test
  void aFailureOfTheSchedulesThreadOutsideAJobStopsTheSubscriptionVisibly() throws Exception {
    var clock = new BreakingClock();
    Schedule schedule = schedule(options().clock(clock).build());
    Subscription sub = schedule.project(new CountingProjection("p"));
    clock.armed.set(true); // the thread reads the clock while it waits for work

    assertThat(jobFailed.await(30, TimeUnit.SECONDS)).as("the listener heard of the failure").isTrue();
    assertThat(jobFailures).singleElement().isInstanceOf(AssertionError.class);
    Await.until("the subscription says it stopped", () -> !sub.isActive());
    assertThatThrownBy(() -> await(schedule.trigger()))
        .cause()
        .isInstanceOf(ScheduleStoppedException.class)
        .hasCauseInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> schedule.awaitCaughtUp(Duration.ofSeconds(30)))
        .isInstanceOf(ScheduleStoppedException.class);
  }

  @Test
  void aDebounceCapOfForeverNeitherKillsTheThreadNorPostponesTheJobPastTheDebounce() {
    EventStore store = EventStores.publishing(raw, bus);
    var p = new CountingProjection("p");
    schedule(
            quiet,
            options().debounce(Duration.ofMillis(1)).debounceCap(ChronoUnit.FOREVER.getDuration()).build())
        .project(p);
    insert(store, 3);
    Await.until("3 events applied", () -> p.progress() == 3);
    assertThat(jobFailures).isEmpty();
  }

  // ---- 4. The simple path: a store Fabula gives you wakes same-process schedules ----

  @Test
  void aContinuousScheduleFollowsInsertsIntoTheInMemoryStoreWithoutAPublishingWrapper() {
    var p = new CountingProjection("p");
    schedule(raw, options().build()).project(p); // nobody publishes to the bus
    insert(raw, 3);
    Await.until("3 events applied", () -> p.progress() == 3);
    insert(raw, 2);
    Await.until("5 events applied", () -> p.progress() == 5);
    assertThat(p.duplicates).isZero();
  }

  /** A store that shows readers its events only up to {@code visible}, as PostgreSQL while an older transaction runs. */
  static final class LaggingStore extends CountingStore implements dev.fabula.event.InsertNotifying {
    private final EventStore delegate;
    volatile long visible = Long.MAX_VALUE;

    LaggingStore(EventStore delegate) {
      super(delegate);
      this.delegate = delegate;
    }

    @Override
    public long lastPosition() {
      return Math.min(visible, super.lastPosition());
    }

    @Override
    public Subscription onInsert(java.util.function.Consumer<List<Event<?>>> listener) {
      return ((dev.fabula.event.InsertNotifying) delegate).onInsert(listener);
    }
  }

  @Test
  void announcedEventsTheStoreDoesNotShowYetAreLookedForAgain() {
    var lagging = new LaggingStore(raw);
    lagging.visible = 0;
    var jobs = new AtomicInteger();
    var p = new CountingProjection("p");
    schedule(
            lagging,
            ScheduleOptions.builder()
                .listener(
                    new ScheduleListener() {
                      @Override
                      public void jobFinished(ScheduleStatus status) {
                        jobs.incrementAndGet();
                      }
                    })
                .build())
        .project(p);
    insert(raw, 2);
    Await.until("a job ran and saw nothing yet", () -> jobs.get() >= 1);
    assertThat(p.progress()).isZero();
    lagging.visible = Long.MAX_VALUE; // the older transaction ended
    Await.until("the announced events were applied", () -> p.progress() == 2);
  }

  @Test
  void insertListenersHearEachStoredBatchUntilClosedAndTheirFailuresStayTheirs() {
    var heard = new CopyOnWriteArrayList<Long>();
    var notifying = (dev.fabula.event.InsertNotifying) raw;
    Subscription listening = notifying.onInsert(batch -> batch.forEach(e -> heard.add(e.position())));
    Subscription failing = notifying.onInsert(batch -> {
      throw new AssertionError("listener bug");
    });
    insert(raw, 2);
    assertThat(heard).containsExactly(1L, 2L);
    listening.close();
    failing.close();
    assertThat(listening.isActive()).isFalse();
    insert(raw, 1);
    assertThat(heard).containsExactly(1L, 2L);
  }

  // ---- 5. Waiting until a projection caught up ----

  @Test
  void awaitCaughtUpReturnsOnceEverythingStoredAtTheCallIsApplied() {
    var a = new CountingProjection("a");
    var b = new CountingProjection("b");
    Schedule schedule = schedule(options().build());
    schedule.project(a, b);
    insert(raw, 5); // nobody publishes, the schedule's store does not notify
    schedule.awaitCaughtUp(Duration.ofSeconds(30));
    assertThat(a.progress()).isEqualTo(5);
    assertThat(b.progress()).isEqualTo(5);
    assertThat(a.applied).hasSize(5);
  }

  @Test
  void awaitCaughtUpNamesTheProjectionThatIsBehindWhenItTimesOut() {
    List<Event<?>> events = insert(raw, 4);
    var stuck = new CountingProjection("stuck");
    stuck.failOn = e -> e.position() == 3;
    var fine = new CountingProjection("fine");
    Schedule schedule = schedule(options().build());
    schedule.project(fine, stuck);
    // Fails as soon as the job run for the wait left "stuck" stopped on its failure: the long
    // timeout is never waited out.
    assertThatThrownBy(() -> schedule.awaitCaughtUp(Duration.ofSeconds(10)))
        .isInstanceOfSatisfying(
            CatchUpTimeoutException.class,
            e -> {
              assertThat(e.getMessage()).contains("stopped on a failure").doesNotContain("within");
              assertThat(e.projection()).isEqualTo("stuck");
              assertThat(e.position()).isEqualTo(2);
              assertThat(e.target()).isEqualTo(4);
              assertThat(e.getMessage()).contains("stuck", "position 2", "target is 4");
              assertThat(e.getCause())
                  .isInstanceOfSatisfying(
                      ProjectionException.class, f -> assertThat(f.eventId()).isEqualTo(events.get(2).id()));
            });
  }

  // ---- 6. A failing blocking catch-up leaves nothing running out of reach ----

  @Test
  void aFailingBlockingCatchUpClosesItsSubscriptionAndASecondSubscribeResumes() throws Exception {
    insert(raw, 5);
    var attempts = new AtomicInteger();
    var broken = new AtomicBoolean(true);
    var p = new CountingProjection("catalog");
    p.failOn =
        e -> {
          if (e.position() == 4) {
            attempts.incrementAndGet();
            return broken.get();
          }
          return false;
        };
    Schedule schedule = schedule(options().catchUp(CatchUp.BLOCKING).build());
    assertThatThrownBy(() -> schedule.project(p))
        .isInstanceOfSatisfying(ProjectionException.class, e -> assertThat(e.position()).isEqualTo(4));
    assertThat(attempts).hasValue(1);
    await(schedule.trigger()); // no subscription is left to run it
    assertThat(attempts).hasValue(1);

    broken.set(false);
    Subscription again = schedule.project(p);
    assertThat(again.isActive()).isTrue();
    assertThat(p.progress()).isEqualTo(5);
    assertThat(p.applied).hasSize(5);
    assertThat(p.duplicates).isZero();
  }

  // ---- 7. Projections are named in failures and dead letters ----

  @Test
  void aLambdaProjectionIsNamedByItsWriterOrByTheNameItIsGiven() throws Exception {
    insert(raw, 1);
    Schedule schedule = schedule(options().failurePolicy(FailurePolicy.DEAD_LETTER).build());
    Projection anonymous = e -> {
      throw new IllegalStateException("no");
    };
    schedule.project(anonymous, Projections.named("emails", anonymous));
    await(schedule.trigger());
    assertThat(failures)
        .extracting(ProjectionException::projection)
        .containsExactly("lambda in " + ScheduleFaultsTest.class.getName(), "emails");
    assertThat(failures.get(1).getMessage()).startsWith("projection emails failed to apply event counted");
    assertThat(schedule.deadLetters())
        .extracting(DeadLetter::projection)
        .containsExactly("lambda in " + ScheduleFaultsTest.class.getName(), "emails");
    assertThatThrownBy(() -> Projections.named(" ", anonymous)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Projections.named("c", new CountingProjection("c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("projectionName()");
  }

  // ---- 9. An undecodable event under the dead-letter policy ----

  /** A store that cannot decode the event at one position, as a store with a bad row. */
  static final class UndecodableAt extends CountingStore {
    private final long bad;

    UndecodableAt(EventStore delegate, long bad) {
      super(delegate);
      this.bad = bad;
    }

    @Override
    public Stream<Event<?>> query(EventQuery query) {
      return super.query(query)
          .map(
              e -> {
                if (e.position() == bad) {
                  throw new EventDecodingException(
                      e.id(), e.name(), e.position(), new IllegalArgumentException("payload does not fit"));
                }
                return e;
              });
    }
  }

  @Test
  void underTheDeadLetterPolicyAnUndecodableEventBecomesADeadLetterAndTheProjectionReadsOn() throws Exception {
    List<Event<?>> events = insert(raw, 5);
    var p = new CountingProjection("p");
    var seen = new CopyOnWriteArrayList<Long>();
    for (int cache : new int[] {0, 100}) { // streamed from the store, and through the job's cache
      seen.clear();
      p.reset();
      Schedule schedule =
          schedule(
              new UndecodableAt(raw, 3),
              options().failurePolicy(FailurePolicy.DEAD_LETTER).jobCacheSize(cache).build());
      schedule.project(p, Projections.named("plain", e -> seen.add(e.position())));
      await(schedule.trigger());
      assertThat(p.progress()).isEqualTo(5);
      assertThat(p.applied).hasSize(4).doesNotContain(events.get(2).id());
      assertThat(seen).containsExactly(1L, 2L, 4L, 5L);
      assertThat(schedule.deadLetters())
          .extracting(DeadLetter::projection, DeadLetter::eventId, DeadLetter::position)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("p", events.get(2).id(), 3L),
              org.assertj.core.groups.Tuple.tuple("plain", events.get(2).id(), 3L));
      assertThat(schedule.deadLetters().get(0).event()).isEmpty();
      assertThat(schedule.deadLetters().get(0).failure()).hasCauseInstanceOf(EventDecodingException.class);
      schedule.close();
    }
  }

  @Test
  void underTheStopPolicyAnUndecodableEventStopsTheProjectionWithAReportNamingIt() {
    List<Event<?>> events = insert(raw, 5);
    var p = new CountingProjection("p");
    Schedule schedule = schedule(new UndecodableAt(raw, 3), options().build());
    schedule.project(p);
    assertThatThrownBy(() -> await(schedule.trigger()))
        .cause()
        .isInstanceOfSatisfying(
            ProjectionException.class,
            e -> {
              assertThat(e.projection()).isEqualTo("p");
              assertThat(e.eventId()).isEqualTo(events.get(2).id());
              assertThat(e.position()).isEqualTo(3);
            });
    assertThat(p.progress()).isEqualTo(2);
    assertThat(failures).hasSize(1);
  }

  // ---- 8. Review of the per-projection cursors ----

  @Test
  void aProjectionBuiltForEachJobGetsEachEventOnceAndIsForgottenAfterItsJob() throws Exception {
    insert(raw, 2);
    var seen = new CopyOnWriteArrayList<Long>();
    var named = new CopyOnWriteArrayList<Long>();
    var jobs = new AtomicInteger();
    var schedule = (ScheduleImpl) schedule(options().build());
    schedule.subscribe(
        job -> {
          int n = jobs.incrementAndGet();
          // A capturing lambda is a new object on each job, and so is the named wrapper.
          job.apply(
              e -> {
                if (n > 0) {
                  seen.add(e.position());
                }
              },
              Projections.named("per job", e -> named.add(e.position())));
        });
    await(schedule.trigger());
    insert(raw, 1);
    await(schedule.trigger());
    insert(raw, 1);
    await(schedule.trigger());
    assertThat(jobs).hasValue(3);
    assertThat(seen).isEqualTo(positions(1, 4));
    assertThat(named).isEqualTo(positions(1, 4));
    assertThat(schedule.trackedProjections()).isEqualTo(2); // the last job's, not all six
    assertThat(schedule.status().position()).isEqualTo(4);

    insert(raw, 1);
    schedule.awaitCaughtUp(Duration.ofSeconds(30)); // no projection of an earlier job holds it
    assertThat(seen).isEqualTo(positions(1, 5));
    assertThat(schedule.trackedProjections()).isEqualTo(2);
  }

  @Test
  void aHandlerApplyingWhatEventsForHandsOutGetsEachEventOnceAndTheScheduleFollowsIt()
      throws Exception {
    insert(raw, 3);
    var seen = new CopyOnWriteArrayList<Long>();
    Projection model = Projections.named("self-applied", e -> {});
    var failAfterReading = new AtomicBoolean();
    var schedule = (ScheduleImpl) schedule(options().build());
    schedule.subscribe(
        job -> {
          try (Stream<Event<?>> events = job.eventsFor(model)) {
            events.forEach(e -> seen.add(e.position()));
          }
          if (failAfterReading.get()) {
            throw new IllegalStateException("handler failed after reading");
          }
        });
    await(schedule.trigger());
    assertThat(seen).isEqualTo(positions(1, 3));
    assertThat(schedule.status().position()).isEqualTo(3);
    await(schedule.trigger());
    assertThat(seen).isEqualTo(positions(1, 3)); // nothing again

    insert(raw, 2);
    schedule.awaitCaughtUp(Duration.ofSeconds(30));
    assertThat(seen).isEqualTo(positions(1, 5));

    // A failed job moves nothing: the next one hands out the same events again.
    failAfterReading.set(true);
    insert(raw, 1);
    assertThatThrownBy(() -> await(schedule.trigger())).hasCauseInstanceOf(IllegalStateException.class);
    assertThat(schedule.status().position()).isEqualTo(5);
    failAfterReading.set(false);
    await(schedule.trigger());
    assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 6L);
    assertThat(schedule.status().position()).isEqualTo(6);
  }

  @Test
  void aHandlerTakingPartOfWhatEventsForHandsOutMovesOnlyPastWhatItTook() throws Exception {
    insert(raw, 5);
    var seen = new CopyOnWriteArrayList<Long>();
    Projection model = Projections.named("two at a time", e -> {});
    Schedule schedule = schedule(options().build());
    schedule.subscribe(
        job -> {
          try (Stream<Event<?>> events = job.eventsFor(model)) {
            events.limit(2).forEach(e -> seen.add(e.position()));
          }
        });
    await(schedule.trigger());
    assertThat(seen).isEqualTo(positions(1, 2));
    await(schedule.trigger());
    await(schedule.trigger());
    assertThat(seen).isEqualTo(positions(1, 5));
  }

  @Test
  void closingUnderDeadLetterNeitherSkipsNorDeadLettersTheEventBeingApplied() throws Exception {
    closingStopsBeforeTheEventBeingApplied(FailurePolicy.DEAD_LETTER);
  }

  @Test
  void closingUnderStopIsNoProjectionFailure() throws Exception {
    closingStopsBeforeTheEventBeingApplied(FailurePolicy.STOP);
  }

  private void closingStopsBeforeTheEventBeingApplied(FailurePolicy policy) throws Exception {
    insert(raw, 3);
    ProgressStore progress = InMemory.progressStore();
    var entered = new CountDownLatch(1);
    var released = new CountDownLatch(1);
    var seen = new CopyOnWriteArrayList<Long>();
    Projection model =
        e -> {
          if (e.position() == 2 && released.getCount() > 0) {
            entered.countDown();
            released.await(); // blocked in "I/O" until the schedule's close interrupts it
          }
          seen.add(e.position());
        };
    var thrown = new AtomicReference<Throwable>();
    var interruptFlag = new AtomicBoolean();
    var schedule = (ScheduleImpl) schedule(options().failurePolicy(policy).build());
    schedule.closeGrace(Duration.ofMillis(1));
    Projection tracked = Projections.tracked("blocking", model, progress);
    schedule.subscribe(
        job -> {
          try {
            job.apply(tracked);
          } catch (RuntimeException e) {
            thrown.set(e);
            interruptFlag.set(Thread.currentThread().isInterrupted());
            throw e;
          }
        });
    CompletableFuture<Void> job = schedule.trigger();
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    schedule.close(); // interrupts the job after the (shortened) grace period, and waits for it

    assertThat(thrown.get()).isInstanceOf(dev.fabula.ClosedException.class);
    assertThat(interruptFlag).isTrue();
    assertThat(job).isCompletedExceptionally();
    assertThat(schedule.deadLetters()).isEmpty();
    assertThat(failures).isEmpty();
    assertThat(jobFailures).isEmpty();
    assertThat(progress.position("blocking")).isEqualTo(1);
    assertThat(seen).containsExactly(1L);

    released.countDown();
    Schedule again = schedule(options().failurePolicy(policy).build());
    again.project(Projections.tracked("blocking", model, progress));
    again.awaitCaughtUp(Duration.ofSeconds(30));
    assertThat(seen).isEqualTo(positions(1, 3));
    assertThat(progress.position("blocking")).isEqualTo(3);
  }

  @Test
  void anOutcomeUnknownIsNotRetriedSinceAProjectionWouldInsertFreshEventsTwice() throws Exception {
    insert(raw, 1);
    var attempts = new AtomicInteger();
    Schedule schedule =
        schedule(
            ScheduleOptions.builder()
                .listener(recording)
                .retryPolicy(new RetryPolicy(5, Duration.ZERO, Duration.ZERO))
                .build());
    schedule.project(
        Projections.named(
            "inserting",
            e -> {
              attempts.incrementAndGet();
              throw new OutcomeUnknownException(
                  List.of(UUID.randomUUID()), "lost the connection", new java.io.IOException("cut"));
            }));
    assertThatThrownBy(() -> await(schedule.trigger()))
        .cause()
        .isInstanceOf(ProjectionException.class)
        .hasCauseInstanceOf(OutcomeUnknownException.class);
    assertThat(attempts).hasValue(1);
    assertThat(new OutcomeUnknownException(List.of(), "x", new RuntimeException()))
        .isNotInstanceOf(TransientException.class);
  }
}
