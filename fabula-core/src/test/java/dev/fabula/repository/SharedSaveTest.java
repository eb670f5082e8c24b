package dev.fabula.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.Account;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.proxy.CountingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Uses of one cached aggregate queued behind each other share one insert (ADR 0009). Each test
 * holds an insert at a gate, queues uses behind it, and then checks what the next insert held.
 */
class SharedSaveTest {
  private final EventStore memory = InMemory.eventStore();
  private final GatedStore store = new GatedStore(memory);
  private final Repository<Account> once =
      Repository.builder(store, Account::new).cache(100).retry(RetryPolicy.none()).build();
  private final Repository<Account> retrying = Repository.builder(store, Account::new).cache(100).build();
  /** A writer in "another process": same events, no cache, no turns shared with the above. */
  private final Repository<Account> other = Repository.of(memory, Account::new);
  private final List<Thread> threads = new ArrayList<>();

  @AfterEach
  void close() throws InterruptedException {
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    memory.close();
  }

  private UUID opened(Repository<Account> through) {
    UUID id = UUID.randomUUID();
    var a = new Account(id);
    a.open("ana");
    through.save(a);
    return id;
  }

  @Test
  void usesQueuedBehindAnInsertShareTheNextOne() throws Exception {
    UUID id = opened(once);
    int before = store.inserts.get();
    Held first = holdADepositOfOne(once, id);
    List<FutureTask<Account>> queued = queue(5, () -> once.use(id, a -> a.deposit(10)));
    first.gate().open();

    assertThat(first.use().get(10, TimeUnit.SECONDS).version()).isEqualTo(2);
    List<Integer> versions = new ArrayList<>();
    for (FutureTask<Account> f : queued) {
      Account a = f.get(10, TimeUnit.SECONDS);
      assertThat(a.changes()).as("committed").isEmpty();
      assertThat(a.committedVersion()).isEqualTo(a.version());
      versions.add(a.version());
    }
    assertThat(versions).as("each use saw the state the one before it left")
        .containsExactlyInAnyOrder(3, 4, 5, 6, 7);
    assertThat(store.inserts.get() - before).as("the holder's insert, then one for the five").isEqualTo(2);
    Account fetched = once.fetch(id);
    assertThat(fetched.balance()).isEqualTo(51);
    assertThat(fetched.version()).isEqualTo(7);
  }

  @Test
  void aUseWhoseActionThrowsLeavesNothingAndTheOthersStillShareTheirInsert() throws Exception {
    UUID id = opened(once);
    Held first = holdADepositOfOne(once, id);
    List<FutureTask<Account>> queued = new ArrayList<>(queue(2, () -> once.use(id, a -> a.deposit(10))));
    FutureTask<Account> failing = start(() -> once.use(id, a -> {
      a.deposit(100);
      throw new IllegalStateException("refused after raising");
    }));
    awaitParked(threads.getLast());
    queued.addAll(queue(2, () -> once.use(id, a -> a.deposit(10))));
    first.gate().open();

    first.use().get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class)
        .cause().hasMessage("refused after raising");
    for (FutureTask<Account> f : queued) {
      f.get(10, TimeUnit.SECONDS);
    }
    assertThat(once.fetch(id).balance()).isEqualTo(41);
    assertThat(amounts(id)).as("the failed action's deposit is nowhere").doesNotContain(100L);
  }

  @Test
  void aConflictFailsTheSharedInsertForEveryUseThatJoinedItAndStoresNoneOfIt() throws Exception {
    UUID id = opened(once);
    Held first = holdADepositOfOne(once, id);
    List<FutureTask<Account>> queued = queue(3, () -> once.use(id, a -> a.deposit(10)));
    Gate shared = store.gateNextInsert();
    first.gate().open();
    first.use().get(10, TimeUnit.SECONDS);
    shared.awaitArrived();
    other.use(id, a -> a.deposit(1000)); // another process moves the aggregate on
    shared.open();

    for (FutureTask<Account> f : queued) {
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ConcurrencyException.class);
    }
    assertThat(once.fetch(id).balance()).isEqualTo(1001);
  }

  @Test
  void withRetriesTheUsesOfAFailedSharedInsertRunAgainOnTheStoredState() throws Exception {
    UUID id = opened(retrying);
    Held first = holdADepositOfOne(retrying, id);
    List<FutureTask<Account>> queued = queue(3, () -> retrying.use(id, a -> a.deposit(10)));
    Gate shared = store.gateNextInsert();
    first.gate().open();
    first.use().get(10, TimeUnit.SECONDS);
    shared.awaitArrived();
    other.use(id, a -> a.deposit(1000));
    shared.open();

    for (FutureTask<Account> f : queued) {
      assertThat(f.get(10, TimeUnit.SECONDS).balance()).as("acted on the stored state").isGreaterThan(1000);
    }
    Account fetched = retrying.fetch(id);
    assertThat(fetched.balance()).isEqualTo(1031);
    assertThat(fetched.version()).isEqualTo(6);
  }

  @Test
  void aUseThatRaisesNothingReturnsOnlyOnceTheStateItSawIsStored() throws Exception {
    UUID id = opened(once);
    Held first = holdADepositOfOne(once, id);
    List<FutureTask<Account>> depositing = queue(1, () -> once.use(id, a -> a.deposit(10)));
    List<FutureTask<Account>> looking = queue(1, () -> once.use(id, a -> {}));
    Thread lookingThread = threads.getLast();
    Gate shared = store.gateNextInsert();
    first.gate().open();
    first.use().get(10, TimeUnit.SECONDS);
    shared.awaitArrived();
    // No sleep: the looking use must now be either inside the held insert (at the gate) or
    // waiting for it on the shared save's latch; only the insert's end lets it go on from
    // there. A use that returns early is done instead.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!looking.get(0).isDone() && !parkedOnALatch(lookingThread)) {
      assertThat(System.nanoTime()).as("the looking use returned or waits for the insert").isLessThan(deadline);
      Thread.sleep(1);
    }
    assertThat(looking.get(0).isDone()).as("returned before the state it saw was stored").isFalse();
    shared.open();
    assertThat(looking.get(0).get(10, TimeUnit.SECONDS).balance()).isEqualTo(11);
    assertThat(depositing.get(0).get(10, TimeUnit.SECONDS).version()).isEqualTo(3);
  }

  @Test
  void aUseNestedInAUseOfTheSameAggregateIsStoredAndTheOuterOneConflicts() throws Exception {
    UUID id = opened(once);
    Held first = holdADepositOfOne(once, id);
    List<FutureTask<Account>> queued = queue(1, () -> once.use(id, a -> a.deposit(10)));
    FutureTask<Account> nesting = start(() -> once.use(id, a -> {
      a.deposit(100);
      once.use(id, b -> b.deposit(1000));
    }));
    awaitParked(threads.getLast());
    first.gate().open();

    first.use().get(10, TimeUnit.SECONDS);
    queued.get(0).get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> nesting.get(10, TimeUnit.SECONDS))
        .as("the outer use acted on state its inner use moved on from")
        .hasCauseInstanceOf(ConcurrencyException.class);
    assertThat(amounts(id)).containsExactly(1L, 10L, 1000L);
    assertThat(once.fetch(id).balance()).isEqualTo(1011);
  }

  private List<Long> amounts(UUID id) {
    try (Stream<Event<?>> events = memory.query(EventQuery.builder().aggregate(Account.NAME, id).build())) {
      return events.map(Event::data)
          .filter(d -> d instanceof Account.Deposited)
          .map(d -> ((Account.Deposited) d).amount())
          .toList();
    }
  }

  /** A use depositing 1, held at a gate inside its insert while holding the aggregate's turn. */
  private record Held(Gate gate, FutureTask<Account> use) {}

  private Held holdADepositOfOne(Repository<Account> repository, UUID id) throws InterruptedException {
    Gate gate = store.gateNextInsert();
    FutureTask<Account> use = start(() -> repository.use(id, a -> a.deposit(1)));
    gate.awaitArrived();
    return new Held(gate, use);
  }

  /** Starts {@code n} calls one after another, each queued on the turn before the next starts. */
  private <T> List<FutureTask<T>> queue(int n, Callable<T> call) throws InterruptedException {
    List<FutureTask<T>> started = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      started.add(start(call));
      awaitParked(threads.getLast());
    }
    return started;
  }

  private <T> FutureTask<T> start(Callable<T> call) {
    FutureTask<T> task = new FutureTask<>(call);
    threads.add(Thread.ofPlatform().daemon().start(task));
    return task;
  }

  /** Waits until {@code t} is parked (waiting for the turn, or at a gate). */
  private static void awaitParked(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as(t + " parked").isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  /** Whether {@code t} is parked on a {@link CountDownLatch} (a gate's, or a shared save's). */
  private static boolean parkedOnALatch(Thread t) {
    Object blocker = LockSupport.getBlocker(t);
    return blocker != null && blocker.getClass().getName().startsWith("java.util.concurrent.CountDownLatch$");
  }

  /** Holds one insert until opened. */
  private static final class Gate {
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch open = new CountDownLatch(1);

    void awaitArrived() throws InterruptedException {
      assertThat(arrived.await(10, TimeUnit.SECONDS)).as("an insert reached the gate").isTrue();
    }

    void open() {
      open.countDown();
    }
  }

  /** A real store whose next insert can be held at a gate; counts inserts. */
  private static final class GatedStore extends CountingStore {
    final AtomicInteger inserts = new AtomicInteger();
    private final AtomicReference<Gate> next = new AtomicReference<>();

    GatedStore(EventStore delegate) {
      super(delegate);
    }

    Gate gateNextInsert() {
      Gate g = new Gate();
      assertThat(next.compareAndSet(null, g)).as("one gate at a time").isTrue();
      return g;
    }

    @Override
    public List<Event<?>> insert(List<? extends Event<?>> events) {
      inserts.incrementAndGet();
      Gate g = next.getAndSet(null);
      if (g != null) {
        g.arrived.countDown();
        try {
          if (!g.open.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("gate not opened in 10 s");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      return super.insert(events);
    }
  }

}
