package dev.fabula.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.Account;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Repository.Builder} takes each setting once and refuses a second call at once. */
class RepositoryBuilderTest {
  private final EventStore store = InMemory.eventStore();
  private final SnapshotStore snapshots = InMemory.snapshotStore();

  @AfterEach
  void close() {
    store.close();
  }

  private Repository.Builder<Account> builder() {
    return Repository.builder(store, Account::new);
  }

  @Test
  void eachSettingMadeOnceBuildsARepositoryThatUsesIt() {
    Repository<Account> accounts =
        builder()
            .retry(RetryPolicy.none())
            .snapshots(snapshots, SnapshotSchedule.every(1))
            .cache(10)
            .takeTurns(false)
            .build();
    UUID id = UUID.randomUUID();
    accounts.use(id, a -> a.open("ana"));
    assertThat(accounts.fetch(id).version()).isEqualTo(1);
    assertThat(snapshots.latest(Account.NAME, id)).isPresent(); // the schedule set is the one used
  }

  @Test
  void takeTurnsTwiceIsRefusedNamingBothCalls() {
    assertThatThrownBy(() -> builder().takeTurns(false).takeTurns(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("takeTurns(false) was already set; takeTurns(true) would replace it (each setting may be made once)");
    // the same value again is a repeat too: the second call is a mistake either way
    assertThatThrownBy(() -> builder().takeTurns(true).takeTurns(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("takeTurns(true) was already set");
  }

  @Test
  void retrySnapshotsAndCacheTwiceAreRefusedNamingBothCalls() {
    assertThatThrownBy(() -> builder().retry(RetryPolicy.none()).retry(RetryPolicy.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("retry(" + RetryPolicy.none() + ") was already set; retry(" + RetryPolicy.defaults());
    assertThatThrownBy(
            () ->
                builder()
                    .snapshots(snapshots, SnapshotSchedule.every(5))
                    .snapshots(snapshots, SnapshotSchedule.every(9)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("snapshots(" + snapshots)
        .hasMessageContaining("was already set; snapshots(");
    assertThatThrownBy(() -> builder().cache(1).cache(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cache(1) was already set; cache(2) would replace it");
  }
}
