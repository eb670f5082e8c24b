package dev.fabula.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.aggregate.Account;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.proxy.CountingStore;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The repository's state cache ({@link Repository.Builder#cache}). */
class CachedRepositoryTest {
  private final EventStore memory = InMemory.eventStore();
  private final CountingStore store = new CountingStore(memory);
  private final Repository<Account> cached = Repository.builder(store, Account::new).cache(100).build();
  /** Another writer of the same store that the cache knows nothing about. */
  private final Repository<Account> other = Repository.of(memory, Account::new);

  @AfterEach
  void close() {
    memory.close();
  }

  private UUID opened(Repository<Account> through, long deposit) {
    UUID id = UUID.randomUUID();
    var a = new Account(id);
    a.open("ana");
    a.deposit(deposit);
    through.save(a);
    return id;
  }

  @Test
  void useRunsOnTheCachedStateWithoutReadingTheStore() {
    UUID id = opened(cached, 10);
    int queries = store.queries.get();
    for (int i = 0; i < 5; i++) {
      cached.use(id, a -> a.deposit(1));
    }
    assertThat(store.queries.get()).as("queries after the save that cached it").isEqualTo(queries);
    Account fetched = cached.fetch(id);
    assertThat(fetched.balance()).isEqualTo(15);
    assertThat(fetched.version()).isEqualTo(7);
  }

  @Test
  void aFirstUseReadsTheStoreOnceAndCachesWhatItRead() {
    UUID id = opened(other, 10);
    cached.use(id, a -> a.deposit(1));
    int queries = store.queries.get();
    assertThat(queries).isPositive();
    Account after = cached.use(id, a -> a.deposit(1));
    assertThat(store.queries.get()).isEqualTo(queries);
    assertThat(after.balance()).isEqualTo(12);
    assertThat(after.version()).isEqualTo(4);
  }

  @Test
  void anotherWritersEventsMakeTheSaveConflictAndTheRetryStartsFromTheStore() {
    UUID id = opened(cached, 10);
    other.use(id, a -> a.deposit(100)); // v3, behind the cache's back

    Account after = cached.use(id, a -> a.deposit(1));

    assertThat(after.balance()).as("the retry saw the other writer's deposit").isEqualTo(111);
    assertThat(after.version()).isEqualTo(4);
    try (Stream<Event<?>> s = memory.query(EventQuery.builder().aggregate("account", id).build())) {
      assertThat(s.map(e -> e.aggregateOrNull().version()).toList()).containsExactly(1, 2, 3, 4);
    }
    // The retry's result is cached again: the next use reads nothing.
    int queries = store.queries.get();
    assertThat(cached.use(id, a -> a.deposit(1)).balance()).isEqualTo(112);
    assertThat(store.queries.get()).isEqualTo(queries);
  }

  @Test
  void fetchAlwaysReadsTheStore() {
    UUID id = opened(cached, 10);
    other.use(id, a -> a.deposit(5));
    assertThat(cached.fetch(id).balance()).isEqualTo(15);
  }

  @Test
  void eachUseGetsItsOwnAggregate() {
    UUID id = opened(cached, 10);
    Account first = cached.use(id, a -> a.deposit(1));
    first.deposit(1000); // changed after use returned, never saved
    Account second = cached.use(id, a -> a.deposit(1));
    assertThat(second).isNotSameAs(first);
    assertThat(second.balance()).isEqualTo(12);
  }

  @Test
  void aFailedActionLeavesTheCachedStateAsItWas() {
    UUID id = opened(cached, 10);
    assertThatThrownBy(() -> cached.use(id, a -> {
          a.deposit(50);
          throw new IllegalStateException("rejected");
        }))
        .hasMessage("rejected");
    assertThat(cached.use(id, a -> a.deposit(1)).balance()).isEqualTo(11);
  }

  @Test
  void aSoftDeletedAggregateIsDroppedAndRefused() {
    UUID id = opened(cached, 10);
    cached.use(id, Account::close);
    assertThatThrownBy(() -> cached.use(id, a -> a.deposit(1))).isInstanceOf(AggregateDeletedException.class);
  }

  @Test
  void deleteDropsTheEntry() {
    UUID id = opened(cached, 10);
    cached.delete(id);
    Account fresh = cached.use(id, a -> a.open("bo"));
    assertThat(fresh.version()).isEqualTo(1);
    assertThat(fresh.balance()).isZero();
  }

  @Test
  void concurrentWritersThroughOneCachedRepositoryLoseNoUpdate() throws Exception {
    // Turns off, so the threads conflict and the cache's conflict handling is what is tested.
    Repository<Account> cached = Repository.builder(store, Account::new).cache(100).takeTurns(false).build();
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(opened(cached, 1));
    }
    int threads = 8;
    int perThread = 200;
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            cached.use(ids.get((offset + i) % ids.size()), a -> a.deposit(1));
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    long total = 0;
    for (UUID id : ids) {
      Account a = other.fetch(id);
      assertThat(a.version()).isEqualTo(1 + (int) a.balance());
      total += a.balance() - 1;
    }
    assertThat(total).isEqualTo((long) threads * perThread);
  }

  @Test
  void needsASnapshottingAggregateAndAPositiveSize() {
    assertThatThrownBy(() -> Repository.builder(store, id -> new AggregateRoot("plain", id) {}).cache(10).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Snapshotting");
    assertThatThrownBy(() -> Repository.builder(store, Account::new).cache(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Repository.builder(store, Account::new).cache(1).cache(2))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aSoftDeletedAggregateIsNotSnapshotted() {
    SnapshotStore snapshots = InMemory.snapshotStore();
    Repository<Account> repo =
        Repository.builder(memory, Account::new).snapshots(snapshots, SnapshotSchedule.every(1)).build();
    UUID id = opened(repo, 10);
    repo.use(id, Account::close);
    assertThat(snapshots.latest("account", id).map(Snapshot::version)).contains(2);
    assertThatThrownBy(() -> repo.fetch(id)).isInstanceOf(AggregateDeletedException.class);
  }

  @Nested
  class TheCacheItself {
    private static Snapshot state(UUID id, int version) {
      return new Snapshot("account", id, version, Instant.EPOCH, new Account.State("ana", version));
    }

    @Test
    void holdsAtMostItsSizeDroppingTheLeastRecentlyUsed() {
      StateCache cache = new StateCache(1);
      UUID a = UUID.randomUUID();
      UUID b = UUID.randomUUID();
      cache.put(state(a, 1));
      cache.put(state(b, 1));
      assertThat(cache.size()).isEqualTo(1);
      assertThat(cache.get(a)).isNull();
      assertThat(cache.get(b)).isNotNull();

      StateCache bigger = new StateCache(40);
      List<UUID> ids = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        ids.add(UUID.randomUUID());
        bigger.put(state(ids.get(i), 1));
      }
      assertThat(bigger.size()).isLessThanOrEqualTo(40).isGreaterThan(0);
      assertThat(bigger.get(ids.get(999))).as("the newest entry").isNotNull();
    }

    @Test
    void neverReplacesANewerVersionWithAnOlderOne() {
      StateCache cache = new StateCache(10);
      UUID id = UUID.randomUUID();
      cache.put(state(id, 5));
      cache.put(state(id, 4));
      assertThat(cache.get(id).version()).isEqualTo(5);
      cache.put(state(id, 6));
      assertThat(cache.get(id).version()).isEqualTo(6);
      cache.remove(id);
      assertThat(cache.get(id)).isNull();
    }
  }
}
