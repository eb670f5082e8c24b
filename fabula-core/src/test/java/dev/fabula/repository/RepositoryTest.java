package dev.fabula.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.Account;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.memory.InMemory;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RepositoryTest {
  private final EventStore store = InMemory.eventStore();
  private final Repository<Account> accounts = Repository.of(store, Account::new);

  @AfterEach
  void close() {
    store.close();
  }

  private UUID opened(long... deposits) {
    UUID id = UUID.randomUUID();
    var a = new Account(id);
    a.open("ana");
    for (long d : deposits) {
      a.deposit(d);
    }
    accounts.save(a);
    return id;
  }

  @Test
  void savesAndFetches() {
    UUID id = opened(5, 7);
    Account a = accounts.fetch(id);
    assertThat(a.balance()).isEqualTo(12);
    assertThat(a.version()).isEqualTo(3);
    assertThat(a.changes()).isEmpty();
    assertThat(accounts.aggregateName()).isEqualTo("account");
  }

  @Test
  void aMissingAggregateIsAFreshOneAtVersionZero() {
    Account a = accounts.fetch(UUID.randomUUID());
    assertThat(a.version()).isZero();
    assertThat(a.owner()).isEmpty();
  }

  @Test
  void savingClearsChangesAndSavingNothingIsANoOp() {
    var a = new Account(UUID.randomUUID());
    a.open("ana");
    accounts.save(a);
    assertThat(a.changes()).isEmpty();
    assertThat(a.committedVersion()).isEqualTo(1);
    long before = store.lastPosition();
    accounts.save(a);
    assertThat(store.lastPosition()).isEqualTo(before);
  }

  @Test
  void aStaleSaveIsAConflictAndKeepsTheChanges() {
    UUID id = opened();
    Account first = accounts.fetch(id);
    Account second = accounts.fetch(id);
    first.deposit(1);
    accounts.save(first);
    second.deposit(2);
    assertThatThrownBy(() -> accounts.save(second))
        .isInstanceOfSatisfying(ConcurrencyException.class, c -> {
          assertThat(c.expectedVersion()).isEqualTo(1);
          assertThat(c.actualVersion()).isEqualTo(2);
        });
    assertThat(second.changes()).hasSize(1);
    assertThat(accounts.fetch(id).balance()).isEqualTo(1);
  }

  @Test
  void fetchesAVersion() {
    UUID id = opened(5, 7, 11);
    assertThat(accounts.fetchVersion(id, 2).balance()).isEqualTo(5);
    assertThat(accounts.fetchVersion(id, 4).balance()).isEqualTo(23);
    assertThatThrownBy(() -> accounts.fetchVersion(id, 5))
        .isInstanceOfSatisfying(VersionNotFoundException.class, e -> {
          assertThat(e.requestedVersion()).isEqualTo(5);
          assertThat(e.latestVersion()).isEqualTo(4);
        })
        .hasMessageContaining("has no version 5; its latest version is 4");
    assertThatThrownBy(() -> accounts.fetchVersion(id, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void useRetriesConflictsUntilEveryWriterCommits() throws Exception {
    UUID id = opened();
    int threads = 8;
    int perThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Repository<Account> patient =
        Repository.builder(store, Account::new)
            .retry(new RetryPolicy(1000, Duration.ZERO, Duration.ofMillis(1)))
            .takeTurns(false) // so the writers do conflict (TurnsTest covers taking turns)
            .build();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            patient.use(id, a -> a.deposit(1));
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Account a = accounts.fetch(id);
    assertThat(a.balance()).isEqualTo(threads * perThread);
    assertThat(a.version()).isEqualTo(1 + threads * perThread);
  }

  @Test
  void useGivesUpAfterTheRetryBudgetAndDoesNotRetryDomainErrors() {
    UUID id = opened();
    Repository<Account> impatient = Repository.builder(store, Account::new).retry(RetryPolicy.none()).build();
    assertThatThrownBy(() -> impatient.use(id, a -> {
          accounts.use(id, other -> other.deposit(1)); // a concurrent writer sneaks in
          a.deposit(2);
        }))
        .isInstanceOf(ConcurrencyException.class);
    int[] calls = {0};
    assertThatThrownBy(() -> accounts.use(id, a -> {
          calls[0]++;
          a.deposit(-1);
        }))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(calls[0]).isEqualTo(1);
  }

  @Test
  void useCarriesMetadataIntoTheEvents() {
    UUID id = opened();
    Metadata m = Metadata.of(Metadata.CORRELATION_ID, "req-7").with(Metadata.CAUSATION_ID, "cmd-3");
    accounts.use(id, m, a -> a.deposit(4));
    try (Stream<Event<?>> s = store.query(EventQuery.builder().aggregate("account", id).versionExact(2).build())) {
      Event<?> e = s.findFirst().orElseThrow();
      assertThat(e.metadata().correlationId()).contains("req-7");
      assertThat(e.metadata().causationId()).contains("cmd-3");
    }
  }

  @Test
  void softDeletedAggregatesAreRefusedUntilRestored() {
    UUID id = opened(3);
    accounts.use(id, Account::close);
    assertThatThrownBy(() -> accounts.fetch(id))
        .isInstanceOfSatisfying(AggregateDeletedException.class, e -> assertThat(e.aggregateId()).isEqualTo(id))
        .hasMessageContaining("fetchIncludingDeleted");
    assertThatThrownBy(() -> accounts.use(id, a -> a.deposit(1))).isInstanceOf(AggregateDeletedException.class);

    Account deleted = accounts.fetchIncludingDeleted(id);
    assertThat(deleted.isDeleted()).isTrue();
    deleted.reopen();
    accounts.save(deleted);
    assertThat(accounts.fetch(id).balance()).isEqualTo(3);
  }

  @Test
  void deleteRemovesEveryEventOfTheAggregateOnly() {
    UUID gone = opened(1);
    UUID kept = opened(2);
    accounts.delete(gone);
    assertThat(accounts.fetch(gone).version()).isZero();
    assertThat(accounts.fetch(kept).balance()).isEqualTo(2);
  }

  @Test
  void queriesHistoriesGroupedByAggregate() {
    UUID a = opened(1, 2);
    UUID b = opened(3);
    List<History> histories;
    try (Stream<History> s = accounts.query(EventQuery.all())) {
      histories = s.toList();
    }
    assertThat(histories).extracting(History::aggregateId).containsExactlyInAnyOrder(a, b);
    for (History h : histories) {
      Account rebuilt = accounts.rebuild(h);
      assertThat(rebuilt.balance()).isEqualTo(h.aggregateId().equals(a) ? 3 : 3);
      assertThat(rebuilt.version()).isEqualTo(h.aggregateId().equals(a) ? 3 : 2);
    }
    assertThatThrownBy(() -> accounts.query(EventQuery.builder().sortBy(dev.fabula.event.SortField.TIME).build()))
        .isInstanceOf(dev.fabula.event.InvalidQueryException.class);
  }

  @Test
  void snapshotsAreTakenOnScheduleAndFetchStartsFromTheLatest() {
    SnapshotStore snapshots = InMemory.snapshotStore();
    Repository<Account> repo = Repository.builder(store, Account::new).snapshots(snapshots, SnapshotSchedule.every(3)).build();
    UUID id = UUID.randomUUID();
    var a = new Account(id);
    a.open("ana");
    a.deposit(10);
    repo.save(a); // v2: no snapshot yet
    assertThat(snapshots.latest("account", id)).isEmpty();
    repo.use(id, x -> x.deposit(5)); // v3: snapshot
    Snapshot s = snapshots.latest("account", id).orElseThrow();
    assertThat(s.version()).isEqualTo(3);
    assertThat(s.state()).isEqualTo(new Account.State("ana", 15));
    try (Stream<Event<?>> v3 = store.query(EventQuery.builder().aggregate("account", id).versionExact(3).build())) {
      assertThat(s.time()).as("the time of the last event the state includes").isEqualTo(v3.findFirst().orElseThrow().time());
    }

    // Prove fetch starts from the snapshot: replace it with a state the events could not produce.
    snapshots.save(new Snapshot("account", id, 3, s.time(), new Account.State("from-snapshot", 1000)));
    repo.use(id, x -> x.deposit(1)); // v4
    Account fetched = repo.fetch(id);
    assertThat(fetched.owner()).isEqualTo("from-snapshot");
    assertThat(fetched.balance()).isEqualTo(1001);
    assertThat(fetched.version()).isEqualTo(4);
    assertThat(repo.fetchVersion(id, 2).balance()).as("older versions replay from the start").isEqualTo(10);
  }

  @Test
  void aSnapshotThatNoLongerFitsIsIgnored() {
    SnapshotStore snapshots = InMemory.snapshotStore();
    Repository<Account> repo = Repository.builder(store, Account::new).snapshots(snapshots, SnapshotSchedule.never()).build();
    UUID id = opened(4, 6);
    // A state of another shape, as left behind by an older version of the application.
    snapshots.save(new Snapshot("account", id, 2, Instant.now(), "an old state shape"));
    Account fetched = repo.fetch(id);
    assertThat(fetched.balance()).isEqualTo(10);
    assertThat(fetched.version()).isEqualTo(3);
  }

  @Test
  void snapshotsNeedASnapshottingAggregate() {
    assertThatThrownBy(() -> Repository.builder(store, id -> new dev.fabula.aggregate.AggregateRoot("plain", id) {})
            .snapshots(InMemory.snapshotStore(), SnapshotSchedule.every(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Snapshotting");
  }

  @Test
  void aFactoryThatIgnoresTheIdIsRejected() {
    assertThatThrownBy(() -> Repository.of(store, id -> new Account(UUID.randomUUID())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("factory");
  }
}
