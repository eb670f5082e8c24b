package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.proxy.CountingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retrying and evicting dead letters ({@link Schedule#retry}, {@link Schedule#evict}; ADR 0025). */
class DeadLetterRetryTest {
  private final EventStore raw = InMemory.eventStore();
  private final EventStore quiet = new CountingStore(raw);
  private final EventBus bus = InMemory.eventBus();
  private final List<Schedule> schedules = new ArrayList<>();
  private final List<ProjectionException> failures = new CopyOnWriteArrayList<>();
  private final List<Map.Entry<DeadLetter, DeadLetter.Removal>> removals = new CopyOnWriteArrayList<>();
  private final ScheduleListener recording =
      new ScheduleListener() {
        @Override
        public void failed(ProjectionException failure) {
          failures.add(failure);
        }

        @Override
        public void deadLetterRemoved(DeadLetter letter, DeadLetter.Removal reason) {
          removals.add(Map.entry(letter, reason));
        }
      };

  @AfterEach
  void close() {
    schedules.forEach(Schedule::close);
    bus.close();
    raw.close();
  }

  /** A counting projection that can apply an event again without moving its progress. */
  static class Reapplying extends CountingProjection implements Reapplicable {
    final AtomicInteger reapplied = new AtomicInteger();

    Reapplying(String name) {
      super(name);
    }

    @Override
    public void reapply(Event<?> event) throws Exception {
      apply(event);
      reapplied.incrementAndGet();
    }
  }

  private Schedule schedule(EventStore store, ScheduleOptions.Builder options) {
    var s = Schedule.continuously(bus, store, Set.of("counted"), options.build());
    schedules.add(s);
    return s;
  }

  private ScheduleOptions.Builder options() {
    return ScheduleOptions.builder()
        .listener(recording)
        .retryPolicy(RetryPolicy.none())
        .failurePolicy(FailurePolicy.DEAD_LETTER);
  }

  private List<Event<?>> insert(int n) {
    var out = new ArrayList<Event<?>>();
    for (int i = 0; i < n; i++) {
      out.addAll(raw.insert(List.of(Event.create("counted", (long) i).withAggregate("thing", UUID.randomUUID(), 1))));
    }
    return out;
  }

  private static void await(CompletableFuture<Void> job) throws Exception {
    job.get(30, TimeUnit.SECONDS);
  }

  /** Projects {@code p} failing on position 2 into a dead letter; returns the letter. */
  private DeadLetter deadLetterAt2(Schedule schedule, CountingProjection p) throws Exception {
    p.failOn = e -> e.position() == 2;
    schedule.project(p);
    await(schedule.trigger());
    assertThat(p.progress()).isEqualTo(3);
    assertThat(schedule.deadLetters()).hasSize(1);
    return schedule.deadLetters().getFirst();
  }

  @Test
  void aRetryThatSucceedsAppliesTheEventOnceRemovesTheLetterAndLeavesProgress() throws Exception {
    List<Event<?>> events = insert(3);
    Schedule schedule = schedule(quiet, options());
    var p = new Reapplying("r");
    DeadLetter letter = deadLetterAt2(schedule, p);
    p.failOn = e -> false;

    schedule.retry(letter);

    assertThat(schedule.deadLetters()).isEmpty();
    assertThat(p.applied).containsExactlyInAnyOrder(events.get(0).id(), events.get(1).id(), events.get(2).id());
    assertThat(p.duplicates).isZero();
    assertThat(p.reapplied).hasValue(1);
    assertThat(p.progress()).isEqualTo(3);
    assertThat(removals).containsExactly(Map.entry(letter, DeadLetter.Removal.RETRIED));
    assertThatThrownBy(() -> schedule.retry(letter))
        .isInstanceOf(UnknownDeadLetterException.class)
        .hasMessageContaining(events.get(1).id().toString());
    // A later job neither applies it again nor moves progress back.
    await(schedule.trigger());
    assertThat(p.duplicates).isZero();
  }

  @Test
  void aRetryThatFailsKeepsTheLetterCarryingTheNewFailure() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    var p = new Reapplying("r");
    DeadLetter letter = deadLetterAt2(schedule, p);
    p.failOn =
        e -> {
          throw new IllegalArgumentException("still broken");
        };

    assertThatThrownBy(() -> schedule.retry(letter))
        .isInstanceOf(ProjectionException.class)
        .hasRootCauseMessage("still broken");

    assertThat(schedule.deadLetters()).hasSize(1);
    DeadLetter kept = schedule.deadLetters().getFirst();
    assertThat(kept.eventId()).isEqualTo(letter.eventId());
    assertThat(kept.failure()).isNotSameAs(letter.failure()).hasRootCauseMessage("still broken");
    assertThat(kept.event()).isPresent();
    assertThat(failures).hasSize(2).last().isSameAs(kept.failure());
    assertThat(p.progress()).isEqualTo(3);
    assertThat(removals).isEmpty();
    // The old record still names the letter: found by projection and event id.
    p.failOn = e -> false;
    schedule.retry(letter);
    assertThat(schedule.deadLetters()).isEmpty();
    assertThat(p.duplicates).isZero();
  }

  @Test
  void aProgressAwareProjectionThatIsNotReapplicableIsRefused() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    var p = new CountingProjection("plain-progress");
    DeadLetter letter = deadLetterAt2(schedule, p);
    p.failOn = e -> false;

    assertThatThrownBy(() -> schedule.retry(letter))
        .isInstanceOf(ReapplyRefusedException.class)
        .hasMessageContaining("Reapplicable")
        .hasMessageContaining("plain-progress");

    assertThat(schedule.deadLetters()).containsExactly(letter);
    assertThat(p.applied).hasSize(2);
  }

  @Test
  void aProjectionWithoutProgressIsRetriedByApplyThroughItsGuardAndTheInterceptor() throws Exception {
    List<Event<?>> events = insert(3);
    var intercepted = new CopyOnWriteArrayList<Long>();
    Schedule schedule =
        schedule(
            quiet,
            options()
                .interceptor(
                    (projection, event, application) -> {
                      intercepted.add(event.position());
                      application.run();
                    }));
    var seen = new CopyOnWriteArrayList<Long>();
    var broken = new AtomicInteger(1);
    Projection plain =
        Projections.named(
            "plain",
            e -> {
              if (e.position() == 2 && broken.get() > 0) {
                throw new IllegalStateException("not yet");
              }
              seen.add(e.position());
            });
    schedule.project(plain);
    await(schedule.trigger());
    assertThat(seen).containsExactly(1L, 3L);
    broken.set(0);

    schedule.retry(schedule.deadLetters().getFirst());

    assertThat(seen).containsExactly(1L, 3L, 2L);
    assertThat(intercepted).containsExactly(1L, 2L, 3L, 2L);
    assertThat(schedule.deadLetters()).isEmpty();
    await(schedule.trigger());
    assertThat(seen).containsExactly(1L, 3L, 2L);
    assertThat(events).hasSize(3);
  }

  @Test
  void aRetryTheGuardRejectsAppliesNothingAndRemovesTheLetter() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    var seen = new CopyOnWriteArrayList<Long>();
    var accept2 = new AtomicInteger(1);
    class GuardedModel implements Projection, Guarded {
      @Override
      public boolean accepts(Event<?> event) {
        return event.position() != 2 || accept2.get() > 0;
      }

      @Override
      public void apply(Event<?> event) {
        if (event.position() == 2) {
          throw new IllegalStateException("no");
        }
        seen.add(event.position());
      }
    }
    schedule.project(new GuardedModel());
    await(schedule.trigger());
    accept2.set(0);

    schedule.retry(schedule.deadLetters().getFirst());

    assertThat(seen).containsExactly(1L, 3L);
    assertThat(schedule.deadLetters()).isEmpty();
  }

  @Test
  void anUndecodableEventIsReadFromTheStoreAgainOnRetry() throws Exception {
    List<Event<?>> events = insert(3);
    // The job's query cannot decode position 2; reading it by id (find) can, as after a fix.
    Schedule schedule = schedule(new ScheduleFaultsTest.UndecodableAt(raw, 2), options());
    var p = new Reapplying("r");
    schedule.project(p);
    await(schedule.trigger());
    DeadLetter letter = schedule.deadLetters().getFirst();
    assertThat(letter.event()).isEmpty();
    assertThat(letter.failure()).hasCauseInstanceOf(EventDecodingException.class);

    schedule.retry(letter);

    assertThat(p.applied).containsExactlyInAnyOrder(events.get(0).id(), events.get(1).id(), events.get(2).id());
    assertThat(p.progress()).isEqualTo(3);
    assertThat(schedule.deadLetters()).isEmpty();
  }

  @Test
  void anUndecodableEventTheStoreNoLongerHoldsIsRefused() throws Exception {
    List<Event<?>> events = insert(3);
    Schedule schedule = schedule(new ScheduleFaultsTest.UndecodableAt(raw, 2), options());
    var p = new Reapplying("r");
    schedule.project(p);
    await(schedule.trigger());
    DeadLetter letter = schedule.deadLetters().getFirst();
    raw.delete(List.of(events.get(1)));

    assertThatThrownBy(() -> schedule.retry(letter))
        .isInstanceOf(ReapplyRefusedException.class)
        .hasMessageContaining("no longer holds")
        .hasMessageContaining("evict");
    assertThat(schedule.deadLetters()).containsExactly(letter);
    assertThat(schedule.evict(letter)).isTrue();
    assertThat(schedule.deadLetters()).isEmpty();
  }

  @Test
  void evictRemovesTheLetterWithoutApplyingIt() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    var p = new Reapplying("r");
    DeadLetter letter = deadLetterAt2(schedule, p);

    assertThat(schedule.evict(letter)).isTrue();

    assertThat(schedule.deadLetters()).isEmpty();
    assertThat(p.applied).hasSize(2);
    assertThat(removals).containsExactly(Map.entry(letter, DeadLetter.Removal.EVICTED));
    assertThat(schedule.evict(letter)).isFalse();
    assertThatThrownBy(() -> schedule.retry(letter)).isInstanceOf(UnknownDeadLetterException.class);
  }

  @Test
  void twoRetriesOfOneLetterAtOnceApplyItOnce() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    var entered = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var p =
        new Reapplying("r") {
          @Override
          public void reapply(Event<?> event) throws Exception {
            entered.countDown();
            release.await();
            super.reapply(event);
          }
        };
    DeadLetter letter = deadLetterAt2(schedule, p);
    p.failOn = e -> false;

    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> schedule.retry(letter));
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    // While the first applies, the letter is out of the list: neither evicted nor shown twice.
    assertThat(schedule.deadLetters()).isEmpty();
    assertThat(schedule.evict(letter)).isFalse();
    assertThatThrownBy(() -> schedule.retry(letter)).isInstanceOf(UnknownDeadLetterException.class);
    release.countDown();

    first.get(30, TimeUnit.SECONDS);
    assertThat(p.reapplied).hasValue(1);
    assertThat(p.duplicates).isZero();
  }

  @Test
  void aRetryThatFoundTheLetterBeforeAnotherTookItAppliesNothing() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    var p = new Reapplying("r");
    DeadLetter letter = deadLetterAt2(schedule, p);
    p.failOn = e -> false;
    // A job holds the projection's lock: the retry finds the letter, then waits for the lock.
    ReentrantLock lock = ProjectionLocks.of(p);
    lock.lock();
    CompletableFuture<Void> waiting;
    try {
      waiting = CompletableFuture.runAsync(() -> schedule.retry(letter));
      Await.until("the retry waits for the projection's lock", lock::hasQueuedThreads);
      assertThat(schedule.evict(letter)).isTrue(); // meanwhile another caller takes it
    } finally {
      lock.unlock();
    }
    assertThatThrownBy(() -> waiting.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(UnknownDeadLetterException.class);
    assertThat(p.reapplied).hasValue(0);
  }

  @Test
  void aRetryWithABoundedWaitIsRefusedWhileAJobHoldsTheProjectionAndTheLetterStays() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    var p = new Reapplying("r");
    DeadLetter letter = deadLetterAt2(schedule, p);
    p.failOn = e -> false;
    ReentrantLock lock = ProjectionLocks.of(p); // as a long job would hold it
    CompletableFuture<Void> holder = new CompletableFuture<>();
    CountDownLatch held = new CountDownLatch(1);
    Thread job = Thread.ofVirtual().start(() -> {
      lock.lock();
      try {
        held.countDown();
        holder.join();
      } finally {
        lock.unlock();
      }
    });
    try {
      assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> schedule.retry(letter, java.time.Duration.ofMillis(20)))
          .isInstanceOf(ReapplyRefusedException.class)
          .hasMessageContaining("busy");
      assertThat(schedule.deadLetters()).containsExactly(letter);
      assertThat(p.reapplied).hasValue(0);
    } finally {
      holder.complete(null);
      job.join();
    }
    schedule.retry(letter, java.time.Duration.ofSeconds(30)); // free again: it goes through
    assertThat(p.reapplied).hasValue(1);
    assertThat(schedule.deadLetters()).isEmpty();
    assertThatThrownBy(() -> schedule.retry(letter, java.time.Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retryAndEvictRefuseAMissingArgumentNamingIt() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    DeadLetter letter = deadLetterAt2(schedule, new Reapplying("r"));
    assertThatThrownBy(() -> schedule.retry(null)).isInstanceOf(NullPointerException.class).hasMessage("letter");
    assertThatThrownBy(() -> schedule.retry(letter, null)).isInstanceOf(NullPointerException.class).hasMessage("wait");
    assertThatThrownBy(() -> schedule.evict(null)).isInstanceOf(NullPointerException.class).hasMessage("letter");
    assertThat(schedule.deadLetters()).containsExactly(letter);
  }

  @Test
  void aResetDropsTheProjectionsLettersAndTheRebuildAppliesTheirEvents() throws Exception {
    List<Event<?>> events = insert(3);
    Schedule schedule = schedule(quiet, options());
    var p = new Reapplying("r");
    var other = new Reapplying("other");
    other.failOn = e -> e.position() == 3;
    schedule.project(p, other);
    p.failOn = e -> e.position() == 2;
    await(schedule.trigger());
    assertThat(schedule.deadLetters()).extracting(DeadLetter::projection).containsExactly("r", "other");
    DeadLetter letter = schedule.deadLetters().getFirst();
    p.failOn = e -> false;
    other.failOn = e -> false;

    await(schedule.trigger(TriggerOptions.rebuild()));

    // Both were rebuilt (the trigger resets every projection it applies), so both lost theirs.
    assertThat(schedule.deadLetters()).isEmpty();
    assertThat(removals)
        .extracting(Map.Entry::getValue)
        .containsExactly(DeadLetter.Removal.RESET, DeadLetter.Removal.RESET);
    assertThat(p.applied).containsExactly(events.get(0).id(), events.get(1).id(), events.get(2).id());
    assertThatThrownBy(() -> schedule.retry(letter)).isInstanceOf(UnknownDeadLetterException.class);
    assertThat(p.duplicates).isZero();
  }

  @Test
  void aResetOfTheSharedProgressElsewhereMakesTheRetryRefuse() throws Exception {
    insert(3);
    ProgressStore progress = InMemory.progressStore();
    var seen = new CopyOnWriteArrayList<Long>();
    var broken = new AtomicInteger(1);
    class Model implements Projection, Resettable {
      @Override
      public void apply(Event<?> e) {
        if (e.position() == 2 && broken.get() > 0) {
          throw new IllegalStateException("not yet");
        }
        seen.add(e.position());
      }

      @Override
      public void reset() {
        seen.clear();
      }
    }
    var model = new Model();
    Projection here = Projections.tracked("shared", model, progress);
    Schedule schedule = schedule(quiet, options());
    schedule.project(here);
    await(schedule.trigger());
    DeadLetter letter = schedule.deadLetters().getFirst();
    broken.set(0);
    // Another runner of the same read model resets it: progress back to 0.
    ((Resettable) Projections.tracked("shared", model, progress)).reset();

    assertThatThrownBy(() -> schedule.retry(letter))
        .isInstanceOf(ReapplyRefusedException.class)
        .hasMessageContaining("reset since");
    assertThat(seen).isEmpty();
    assertThat(schedule.deadLetters()).containsExactly(letter);
  }

  @Test
  void aRetryOnAClosedScheduleIsRefused() throws Exception {
    insert(3);
    Schedule schedule = schedule(quiet, options());
    DeadLetter letter = deadLetterAt2(schedule, new Reapplying("r"));
    schedule.close();
    assertThatThrownBy(() -> schedule.retry(letter)).isInstanceOf(dev.fabula.ClosedException.class);
  }
}
