package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.event.Subscription;
import dev.fabula.memory.InMemory;
import dev.fabula.proxy.CountingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  private final EventStore raw = InMemory.eventStore();
  private final EventBus bus = InMemory.eventBus();
  private final EventStore store = EventStores.publishing(raw, bus);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<ProjectionException> failures = new CopyOnWriteArrayList<>();
  private final ScheduleListener recording =
      new ScheduleListener() {
        @Override
        public void failed(ProjectionException failure) {
          failures.add(failure);
        }
      };

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    bus.close();
    store.close();
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private Schedule continuous(ScheduleOptions options) {
    return closing(Schedule.continuously(bus, raw, Set.of("counted"), options));
  }

  private ScheduleOptions.Builder options() {
    return ScheduleOptions.builder().listener(recording);
  }

  private List<Event<?>> insert(EventStore into, int n) {
    var out = new ArrayList<Event<?>>();
    UUID aggregate = UUID.randomUUID();
    for (int i = 0; i < n; i++) {
      out.addAll(into.insert(List.of(Event.create("counted", (long) i).withAggregate("thing", UUID.randomUUID(), 1))));
    }
    assertThat(aggregate).isNotNull();
    return out;
  }

  private List<Event<?>> all() {
    try (Stream<Event<?>> s = raw.query(EventQuery.all())) {
      return s.toList();
    }
  }

  @Test
  void continuousScheduleAppliesPublishedEvents() {
    var p = new CountingProjection("p");
    continuous(options().build()).project(p);
    insert(store, 10);
    Await.until("10 events applied", () -> p.progress() == 10);
    assertThat(p.applied).hasSize(10);
    assertThat(p.sameAs(CountingProjection.replay("fresh", all()))).isTrue();
  }

  @Test
  void eventsMissedOnTheBusAreStillApplied() {
    var p = new CountingProjection("p");
    continuous(options().build()).project(p);
    insert(raw, 5); // stored but never published
    insert(store, 1); // published: triggers a job that reads the store
    Await.until("6 events applied", () -> p.progress() == 6);
    assertThat(p.sameAs(CountingProjection.replay("fresh", all()))).isTrue();
  }

  @Test
  void duplicateBusDeliveriesAndRepeatedTriggersApplyNothingTwice() {
    var p = new CountingProjection("p");
    Schedule schedule = continuous(options().build());
    schedule.project(p);
    List<Event<?>> events = insert(store, 20);
    bus.publish(events); // every event delivered a second time
    bus.publish(events.subList(0, 5));
    schedule.trigger().join();
    schedule.trigger().join();
    Await.until("20 events applied", () -> p.progress() == 20);
    schedule.trigger().join();
    assertThat(p.duplicates).isZero();
    assertThat(p.applied).hasSize(20);
    assertThat(p.sameAs(CountingProjection.replay("fresh", all()))).isTrue();
  }

  @Test
  void startupCatchUpBlocksUntilTheStoreIsApplied() {
    insert(raw, 7);
    var p = new CountingProjection("p");
    continuous(options().catchUp(CatchUp.BLOCKING).build()).project(p);
    assertThat(p.progress()).isEqualTo(7);
    assertThat(p.applied).hasSize(7);
  }

  @Test
  void asynchronousCatchUpRunsWithoutATrigger() {
    insert(raw, 7);
    var p = new CountingProjection("p");
    continuous(options().catchUp(CatchUp.ASYNC).build()).project(p);
    Await.until("catch-up applied 7 events", () -> p.progress() == 7);
  }

  @Test
  void aFailingProjectionIsReportedWithItsEventOthersKeepRunningAndItResumesOnceFixed() {
    List<Event<?>> first = insert(raw, 10);
    Event<?> poison = first.get(4);
    var failing = new CountingProjection("failing");
    failing.failOn = e -> e.id().equals(poison.id());
    var healthy = new CountingProjection("healthy");
    Schedule schedule = continuous(options().retryPolicy(RetryPolicy.none()).build());
    schedule.project(failing, healthy);

    assertThatThrownBy(() -> schedule.trigger().join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            ProjectionException.class,
            e -> {
              assertThat(e.projection()).isEqualTo("failing");
              assertThat(e.eventId()).isEqualTo(poison.id());
              assertThat(e.eventName()).isEqualTo("counted");
              assertThat(e.position()).isEqualTo(poison.position());
            });
    assertThat(failures).extracting(ProjectionException::eventId).containsExactly(poison.id());
    assertThat(failing.progress()).isEqualTo(poison.position() - 1); // last good position
    assertThat(healthy.progress()).isEqualTo(10);

    insert(store, 3); // live traffic while broken: the healthy one keeps up
    Await.until("healthy applied 13", () -> healthy.progress() == 13);
    assertThat(failing.progress()).isEqualTo(poison.position() - 1);

    failing.failOn = e -> false; // fixed
    schedule.trigger().join();
    assertThat(failing.progress()).isEqualTo(13);
    assertThat(failing.duplicates).isZero();
    assertThat(failing.sameAs(CountingProjection.replay("fresh", all()))).isTrue();
  }

  @Test
  void deadLetterPolicyRecordsTheEventAndMovesOn() {
    List<Event<?>> events = insert(raw, 5);
    var p = new CountingProjection("p");
    p.failOn = e -> e.id().equals(events.get(2).id());
    Schedule schedule =
        continuous(
            options().failurePolicy(FailurePolicy.DEAD_LETTER).retryPolicy(RetryPolicy.none()).build());
    schedule.project(p);
    schedule.trigger().join();
    assertThat(p.progress()).isEqualTo(5);
    assertThat(p.applied).hasSize(4).doesNotContain(events.get(2).id());
    assertThat(schedule.deadLetters())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.projection()).isEqualTo("p");
              assertThat(d.eventId()).isEqualTo(events.get(2).id());
            });
  }

  @Test
  void transientFailuresAreRetried() {
    insert(raw, 3);
    var attempts = new AtomicInteger();
    var p = new CountingProjection("p");
    p.failOn =
        e -> {
          if (e.position() == 2 && attempts.incrementAndGet() < 3) {
            throw new TransientException("flaky read model");
          }
          return false;
        };
    Schedule schedule =
        continuous(options().retryPolicy(new RetryPolicy(5, Duration.ZERO, Duration.ZERO)).build());
    schedule.project(p);
    schedule.trigger().join();
    assertThat(attempts).hasValue(3);
    assertThat(p.progress()).isEqualTo(3);
    assertThat(failures).isEmpty();
  }

  @Test
  void aCrashInTheMiddleOfAJobResumesFromSavedProgress() {
    insert(raw, 50);
    var crashing = new CrashingStore(raw, 20); // the store fails after 20 events, once
    var p = new CountingProjection("p");
    Schedule schedule =
        closing(Schedule.continuously(bus, crashing, Set.of("counted"), options().jobCacheSize(0).build()));
    schedule.project(p);
    assertThatThrownBy(() -> schedule.trigger().join()).hasRootCauseMessage("simulated crash");
    assertThat(p.progress()).isEqualTo(20);
    schedule.trigger().join();
    assertThat(p.progress()).isEqualTo(50);
    assertThat(p.duplicates).isZero();
    assertThat(p.sameAs(CountingProjection.replay("fresh", all()))).isTrue();
  }

  @Test
  void aResetDuringLiveTrafficEqualsAReplayFromScratch() throws Exception {
    var p = new CountingProjection("p");
    Schedule schedule = continuous(options().debounce(Duration.ofMillis(1)).build());
    schedule.project(p);
    Thread writer = Thread.ofVirtual().start(() -> insert(store, 2_000));
    Await.until("some events applied", () -> p.progress() > 0);
    schedule.trigger(TriggerOptions.rebuild()).join();
    writer.join();
    schedule.trigger().join();
    assertThat(p.progress()).isEqualTo(2_000);
    assertThat(p.duplicates).isZero();
    assertThat(p.sameAs(CountingProjection.replay("fresh", all()))).isTrue();
  }

  @Test
  void aResetOfAProgressAwareProjectionThatCannotResetIsRejected() {
    insert(raw, 2);
    var store = InMemory.progressStore();
    Projection tracked = Projections.tracked("plain", e -> {}, store);
    Schedule schedule = continuous(options().build());
    schedule.project(tracked);
    schedule.trigger().join();
    assertThat(store.position("plain")).isEqualTo(2);
    assertThatThrownBy(() -> schedule.trigger(TriggerOptions.rebuild()).join())
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not Resettable");
    assertThat(store.position("plain")).isEqualTo(2);
  }

  @Test
  void aTrackedProjectionKeepsItsProgressInTheProgressStore() {
    insert(raw, 4);
    var progress = InMemory.progressStore();
    var applied = new CopyOnWriteArrayList<Long>();
    Projection tracked = Projections.tracked("tracked", e -> applied.add(e.position()), progress);
    Schedule schedule = continuous(options().build());
    schedule.project(tracked);
    schedule.trigger().join();
    schedule.trigger().join();
    insert(raw, 1);
    schedule.trigger().join();
    assertThat(applied).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(progress.position("tracked")).isEqualTo(5);
  }

  @Test
  void guardedEventsAreSkippedButProgressMovesPastThem() {
    insert(raw, 6);
    var p = new GuardedCounting();
    Schedule schedule = continuous(options().build());
    schedule.project(p);
    schedule.trigger().join();
    assertThat(p.applied).hasSize(3);
    assertThat(p.progress()).isEqualTo(6);
  }

  static final class GuardedCounting extends CountingProjection implements Guarded {
    GuardedCounting() {
      super("guarded");
    }

    @Override
    public boolean accepts(Event<?> event) {
      return event.position() % 2 == 0;
    }
  }

  @Test
  void triggerFiltersAndQueriesNarrowTheJob() {
    List<Event<?>> events = insert(raw, 6);
    var seen = new CopyOnWriteArrayList<Long>();
    Schedule schedule = continuous(options().build());
    schedule.subscribe(job -> {
      try (Stream<Event<?>> s = job.events()) {
        s.forEach(e -> seen.add(e.position()));
      }
    });
    schedule
        .trigger(
            TriggerOptions.defaults()
                .withQuery(EventQuery.builder().names("counted").afterPosition(2).build())
                .withFilters(EventQuery.builder().ids(events.get(3).id(), events.get(5).id()).build()))
        .join();
    assertThat(seen).containsExactly(4L, 6L);
  }

  @Test
  void severalProjectionsFromOneJobReadTheStoreOnce() {
    insert(raw, 100);
    var counting = new CountingStore(raw);
    Schedule schedule =
        closing(Schedule.continuously(bus, counting, Set.of("counted"), options().build()));
    var a = new CountingProjection("a");
    var b = new CountingProjection("b");
    var c = new CountingProjection("c");
    schedule.project(a, b, c);
    schedule.trigger().join();
    assertThat(counting.queries).hasValue(1);
    assertThat(a.applied).hasSize(100).isEqualTo(b.applied).isEqualTo(c.applied);
  }

  @Test
  void jobsExposeEventsByAggregateAndTouchedAggregates() {
    UUID x = UUID.randomUUID();
    raw.insert(List.of(Event.create("counted", 1L).withAggregate("order", x, 1)));
    raw.insert(List.of(Event.create("counted", 2L).withAggregate("customer", UUID.randomUUID(), 1)));
    var orders = new CopyOnWriteArrayList<Long>();
    var touched = new CopyOnWriteArrayList<Object>();
    Schedule schedule = continuous(options().build());
    schedule.subscribe(job -> {
      try (Stream<Event<?>> s = job.events("order")) {
        s.forEach(e -> orders.add((Long) e.data()));
      }
      touched.addAll(job.aggregates());
    });
    schedule.trigger().join();
    assertThat(orders).containsExactly(1L);
    assertThat(touched).hasSize(2).contains(new dev.fabula.event.AggregateSelector.Exact("order", x));
  }

  @Test
  void statusReportsPositionHeadAndLag() {
    var p = new CountingProjection("p");
    Schedule schedule = continuous(options().build());
    insert(raw, 30); // before subscribing: nothing triggers a job
    Subscription sub = schedule.project(p);
    assertThat(schedule.status().head()).isEqualTo(30);
    assertThat(schedule.status().lag()).isEqualTo(30);
    schedule.trigger().join();
    assertThat(schedule.status()).isEqualTo(new ScheduleStatus(30, 30, 0, false));
    sub.close();
    assertThat(sub.isActive()).isFalse();
  }

  @Test
  void debounceCapBoundsTheWaitUnderAStreamFasterThanTheDebounce() {
    var clock = new FakeClock();
    var started = new CopyOnWriteArrayList<java.time.Instant>();
    Duration debounce = Duration.ofMillis(100);
    Duration cap = Duration.ofMillis(500);
    Duration step = Duration.ofMillis(20); // one event every 20 ms: never quiet for 100 ms
    var options =
        ScheduleOptions.builder()
            .debounce(debounce)
            .debounceCap(cap)
            .clock(clock)
            .listener(
                new ScheduleListener() {
                  @Override
                  public void jobStarted(ScheduleStatus status) {
                    started.add(clock.peek());
                  }
                })
            .build();
    continuous(options).subscribe(job -> {});
    java.time.Instant first = clock.peek();
    for (int i = 0; i < 500 && started.isEmpty(); i++) {
      insert(store, 1);
      long readsBefore = clock.reads();
      // The bus handler reads the clock once per event; two more reads mean the job thread
      // evaluated the deadline against the current time.
      Await.until("the schedule looked at the clock", () -> clock.reads() >= readsBefore + 3 || !started.isEmpty());
      if (started.isEmpty()) {
        clock.advance(step);
      }
    }
    assertThat(started).as("a job started while the stream was still running").isNotEmpty();
    Duration waited = Duration.between(first, started.get(0));
    assertThat(waited).isGreaterThan(debounce).isLessThanOrEqualTo(cap.plus(step));
  }

  @Test
  void periodicScheduleRunsAJobEveryInterval() {
    var clock = new FakeClock();
    var p = new CountingProjection("p");
    Schedule schedule =
        closing(
            Schedule.periodically(
                raw, Duration.ofSeconds(10), Set.of(EventBus.ALL), options().clock(clock).build()));
    schedule.project(p);
    insert(raw, 3);
    clock.advance(Duration.ofSeconds(10));
    Await.until("the first tick applied 3 events", () -> p.progress() == 3);
    insert(raw, 2);
    clock.advance(Duration.ofSeconds(10));
    Await.until("the second tick applied 5 events", () -> p.progress() == 5);
    assertThat(p.duplicates).isZero();
  }

  @Test
  void optionsFailFast() {
    assertThatThrownBy(() -> ScheduleOptions.builder().debounce(Duration.ofMillis(5)).debounce(Duration.ofMillis(5)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ScheduleOptions.builder().debounceCap(Duration.ofMillis(5)).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                ScheduleOptions.builder()
                    .debounce(Duration.ofMillis(50))
                    .debounceCap(Duration.ofMillis(10))
                    .build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Schedule.continuously(bus, raw, Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                Schedule.periodically(
                    raw,
                    Duration.ofSeconds(1),
                    Set.of("x"),
                    ScheduleOptions.builder().debounce(Duration.ofMillis(1)).build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TriggerOptions.defaults().withQuery(EventQuery.builder().limit(3).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aClosedScheduleRejectsUseAndStopsItsThreads() {
    Schedule schedule = continuous(options().build());
    Subscription sub = schedule.project(new CountingProjection("p"));
    schedule.close();
    assertThat(sub.isActive()).isFalse();
    assertThatThrownBy(() -> schedule.trigger()).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> schedule.subscribe(job -> {})).isInstanceOf(ClosedException.class);
  }
}
