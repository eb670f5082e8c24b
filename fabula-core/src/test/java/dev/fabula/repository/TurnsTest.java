package dev.fabula.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.FabulaException;
import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.Account;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Concurrent {@code use} calls on one aggregate take turns ({@link Repository.Builder#takeTurns}). */
class TurnsTest {
  private final EventStore store = InMemory.eventStore();
  /** No retries: any conflict between this process's writers reaches the caller. */
  private final Repository<Account> turns = Repository.builder(store, Account::new).retry(RetryPolicy.none()).build();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void close() {
    pool.shutdownNow();
    store.close();
  }

  private UUID opened() {
    UUID id = UUID.randomUUID();
    var a = new Account(id);
    a.open("ana");
    turns.save(a);
    return id;
  }

  /** A {@code use} stopped inside its action until {@link #release}; it then deposits 1. */
  private record Held(Future<Account> result, CountDownLatch release) {
    Account finish() throws Exception {
      release.countDown();
      return result.get(10, TimeUnit.SECONDS);
    }
  }

  /** Starts a use of {@code id} through {@code repository} and returns once it is acting. */
  private Held holdInsideUse(Repository<Account> repository, UUID id) throws InterruptedException {
    CountDownLatch acting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Account> result = pool.submit(() -> repository.use(id, a -> {
      acting.countDown();
      await(release);
      a.deposit(1);
    }));
    assertThat(acting.await(10, TimeUnit.SECONDS)).as("the held use started acting").isTrue();
    return new Held(result, release);
  }

  @Test
  void aSecondWriterWaitsForTheFirstAndNeitherConflicts() throws Exception {
    UUID id = opened();
    AtomicBoolean secondActed = new AtomicBoolean();
    Held first = holdInsideUse(turns, id);
    AtomicReference<Thread> secondThread = new AtomicReference<>();
    Future<Account> second = pool.submit(() -> {
      secondThread.set(Thread.currentThread());
      return turns.use(id, a -> {
        secondActed.set(true);
        a.deposit(2);
      });
    });
    // No sleep: wait until the second either acted or is parked on the turn's lock, where only
    // the first leaving its turn lets it go on.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!secondActed.get() && !parkedOnALock(secondThread.get())) {
      assertThat(System.nanoTime()).as("the second use acted or waited for its turn").isLessThan(deadline);
      Thread.sleep(1);
    }
    assertThat(secondActed).as("the second acted while the first had its turn").isFalse();
    assertThat(first.finish().version()).isEqualTo(2);
    assertThat(second.get(10, TimeUnit.SECONDS).version()).isEqualTo(3);
    assertThat(turns.fetch(id).balance()).isEqualTo(3);
  }

  /** Whether {@code t} is parked waiting for a {@link java.util.concurrent.locks.ReentrantLock}. */
  private static boolean parkedOnALock(@Nullable Thread t) {
    Object blocker = t == null ? null : LockSupport.getBlocker(t);
    return blocker != null && blocker.getClass().getName().startsWith("java.util.concurrent.locks.ReentrantLock$");
  }

  @Test
  void withoutTurnsBothActAtOnceAndTheLaterSaveConflicts() throws Exception {
    Repository<Account> racing =
        Repository.builder(store, Account::new).retry(RetryPolicy.none()).takeTurns(false).build();
    UUID id = opened();
    Held first = holdInsideUse(racing, id);
    assertThat(racing.use(id, a -> a.deposit(2)).version()).isEqualTo(2); // did not wait
    assertThatThrownBy(first::finish).hasCauseInstanceOf(ConcurrencyException.class);
  }

  @Test
  void usesOfDifferentAggregatesDoNotWaitForEachOther() throws Exception {
    UUID busy = opened();
    UUID free = opened();
    Held holder = holdInsideUse(turns, busy);
    assertThat(turns.use(free, a -> a.deposit(5)).balance()).isEqualTo(5);
    assertThat(holder.finish().balance()).isEqualTo(1);
  }

  @Test
  void manyThreadsOnOneAggregateCommitEveryUseWithoutAConflict() throws Exception {
    UUID id = opened();
    int threads = 8;
    int perThread = 100;
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(pool.submit(() -> {
        for (int i = 0; i < perThread; i++) {
          turns.use(id, a -> a.deposit(1)); // RetryPolicy.none(): a conflict would throw
        }
      }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    Account a = turns.fetch(id);
    assertThat(a.balance()).isEqualTo(threads * perThread);
    assertThat(a.version()).isEqualTo(1 + threads * perThread);
  }

  @Test
  void nestedUsesWaitingOnEachOtherGoAheadInsteadOfDeadlocking() throws Exception {
    Repository<Account> patient = Repository.of(store, Account::new); // default retries
    UUID x = opened();
    UUID y = opened();
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Future<Account> xThenY = pool.submit(() -> patient.use(x, a -> {
      bothHoldOne.countDown();
      await(bothHoldOne);
      patient.use(y, b -> b.deposit(1));
      a.deposit(1);
    }));
    Future<Account> yThenX = pool.submit(() -> patient.use(y, a -> {
      bothHoldOne.countDown();
      await(bothHoldOne);
      patient.use(x, b -> b.deposit(1));
      a.deposit(1);
    }));
    // Each inner use waits up to Turns.MAX_WAIT, then goes ahead; conflicts are retried.
    xThenY.get(30, TimeUnit.SECONDS);
    yThenX.get(30, TimeUnit.SECONDS);
    assertThat(patient.fetch(x).balance()).isGreaterThanOrEqualTo(2);
    assertThat(patient.fetch(y).balance()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void anEntryLivesOnlyWhileSomebodyUsesTheAggregate() throws Exception {
    Turns<Account> t = bareTurns();
    UUID id = UUID.randomUUID();
    Turns.Turn first = t.enter(id);
    assertThat(t.active()).isEqualTo(1);
    Future<?> waiter = pool.submit(() -> {
      Turns.Turn second = t.enter(id);
      assertThat(second).isSameAs(first);
      t.leave(id, second);
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!first.othersQueued()) { // the waiter is queued on the same turn
      assertThat(System.nanoTime()).as("waiter queued").isLessThan(deadline);
      Thread.sleep(1);
    }
    assertThat(t.active()).isEqualTo(1);
    t.leave(id, first);
    waiter.get(10, TimeUnit.SECONDS);
    assertThat(t.active()).isZero();
  }

  @Test
  void anInterruptedWaitFailsKeepsTheFlagAndLeavesNoEntryBehind() throws Exception {
    Turns<Account> t = bareTurns();
    UUID id = UUID.randomUUID();
    Turns.Turn held = t.enter(id);
    Future<Throwable> waiter = pool.submit(() -> {
      Thread.currentThread().interrupt();
      try {
        t.enter(id);
        return null;
      } catch (FabulaException e) {
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        return e;
      }
    });
    assertThat(waiter.get(10, TimeUnit.SECONDS)).hasMessageContaining("interrupted while waiting for a turn");
    t.leave(id, held);
    assertThat(t.active()).isZero();
  }

  /** Turns over {@link #store} on their own, to look at their entries. */
  private Turns<Account> bareTurns() {
    var b = Repository.builder(store, Account::new);
    Loader<Account> loader = new Loader<>(b, Account.NAME);
    return new Turns<>(loader, new Saver<>(b, loader));
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released in 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
