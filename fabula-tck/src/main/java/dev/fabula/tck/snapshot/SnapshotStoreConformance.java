package dev.fabula.tck.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.event.InvalidQueryException;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.EventLimits;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.State;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite for {@link SnapshotStore}s: save and replace, latest, exact version, latest
 * up to a version, queries by name, id, version and time with sorting and limit, deletion, the
 * not-found cases, nanosecond times, and use after close. Extend it and implement {@link
 * #newStore()}; snapshots belong to aggregates named {@link TckData#AGGREGATE}, whose state type
 * {@link State} is registered in {@link TckData#registry()}.
 *
 * <p>The lifecycle is the suite's: each test gets a fresh, empty store and the suite closes it
 * afterwards; a backend supplies only the factory and reaches the store through {@link #store()}.
 */
public abstract class SnapshotStoreConformance {
  private static final String NAME = TckData.AGGREGATE;
  private static final Instant T0 = Instant.parse("2026-05-01T08:00:00.000000001Z");

  private @Nullable SnapshotStore store;

  /** A new, empty store whose codec knows {@link TckData#registry()}; the suite closes it. */
  protected abstract SnapshotStore newStore();

  /** The store under test, fresh for each test. */
  protected final SnapshotStore store() {
    return Objects.requireNonNull(store, "the store under test exists only while a test runs");
  }

  @BeforeEach
  final void openStore() {
    store = Objects.requireNonNull(newStore(), "newStore() returned null");
  }

  @AfterEach
  final void closeStore() {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  private static Snapshot snapshot(UUID id, int version, int second) {
    return new Snapshot(NAME, id, version, T0.plusSeconds(second), new State(version * 10L, "v" + version));
  }

  @Test
  void savesAndFindsTheLatestSnapshot() {
    UUID id = UUID.randomUUID();
    store.save(snapshot(id, 10, 0));
    store.save(snapshot(id, 30, 2));
    store.save(snapshot(id, 20, 1));
    Snapshot latest = store.latest(NAME, id).orElseThrow();
    assertThat(latest).isEqualTo(snapshot(id, 30, 2));
    assertThat(latest.time()).isEqualTo(T0.plusSeconds(2));
    assertThat(latest.state()).isEqualTo(new State(300, "v30"));
  }

  @Test
  void findsNothingForAnUnknownAggregate() {
    UUID known = UUID.randomUUID();
    store.save(snapshot(known, 1, 0));
    assertThat(store.latest(NAME, UUID.randomUUID())).isEmpty();
    assertThat(store.latest(TckData.OTHER_AGGREGATE, known)).isEmpty();
    assertThat(store.version(NAME, UUID.randomUUID(), 1)).isEmpty();
    assertThat(store.limit(NAME, UUID.randomUUID(), 100)).isEmpty();
    // ... while the one it has is found each way
    assertThat(store.latest(NAME, known)).contains(snapshot(known, 1, 0));
    assertThat(store.version(NAME, known, 1)).contains(snapshot(known, 1, 0));
    assertThat(store.limit(NAME, known, 100)).contains(snapshot(known, 1, 0));
  }

  @Test
  void findsAnExactVersion() {
    UUID id = UUID.randomUUID();
    store.save(snapshot(id, 10, 0));
    store.save(snapshot(id, 20, 1));
    assertThat(store.version(NAME, id, 10)).contains(snapshot(id, 10, 0));
    assertThat(store.version(NAME, id, 15)).isEmpty();
  }

  @Test
  void findsTheLatestUpToAVersion() {
    UUID id = UUID.randomUUID();
    store.save(snapshot(id, 10, 0));
    store.save(snapshot(id, 20, 1));
    store.save(snapshot(id, 30, 2));
    assertThat(store.limit(NAME, id, 25)).contains(snapshot(id, 20, 1));
    assertThat(store.limit(NAME, id, 20)).contains(snapshot(id, 20, 1));
    assertThat(store.limit(NAME, id, 9)).isEmpty();
  }

  @Test
  void replacesASnapshotOfTheSameVersion() {
    UUID id = UUID.randomUUID();
    store.save(snapshot(id, 10, 0));
    Snapshot replacement = new Snapshot(NAME, id, 10, T0.plusSeconds(5), new State(1, "again"));
    store.save(replacement);
    assertThat(store.version(NAME, id, 10)).contains(replacement);
    assertThat(count(SnapshotQuery.builder().aggregateIds(id).build())).isEqualTo(1);
  }

  @Test
  void queriesByNameIdVersionAndTimeWithSorting() {
    UUID a = new UUID(1, 1);
    UUID b = new UUID(1, 2);
    store.save(snapshot(a, 10, 0));
    store.save(snapshot(a, 20, 3));
    store.save(snapshot(b, 10, 1));
    store.save(snapshot(b, 30, 2));
    store.save(new Snapshot(TckData.OTHER_AGGREGATE, a, 5, T0, new State(0, "other")));

    assertThat(list(SnapshotQuery.builder().aggregateNames(NAME).sortBy(SortOrder.asc(SortField.TIME)).build()))
        .containsExactly(snapshot(a, 10, 0), snapshot(b, 10, 1), snapshot(b, 30, 2), snapshot(a, 20, 3));
    assertThat(list(SnapshotQuery.builder().aggregateNames(NAME).aggregateIds(b).sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).build()))
        .containsExactly(snapshot(b, 30, 2), snapshot(b, 10, 1));
    assertThat(list(SnapshotQuery.builder().aggregateNames(NAME).versions(10).sortBy(SortOrder.asc(SortField.AGGREGATE_ID)).build()))
        .containsExactly(snapshot(a, 10, 0), snapshot(b, 10, 1));
    assertThat(list(SnapshotQuery.builder().aggregateNames(NAME).versionMin(15).versionMax(25).build()))
        .containsExactly(snapshot(a, 20, 3));
    assertThat(list(SnapshotQuery.builder().aggregateNames(NAME).timeMin(T0.plusSeconds(1)).timeMax(T0.plusSeconds(2))
            .sortBy(SortOrder.desc(SortField.TIME)).build()))
        .containsExactly(snapshot(b, 30, 2), snapshot(b, 10, 1));
    assertThat(list(SnapshotQuery.builder()
            .sortBy(SortOrder.asc(SortField.AGGREGATE_NAME), SortOrder.asc(SortField.AGGREGATE_ID), SortOrder.desc(SortField.AGGREGATE_VERSION))
            .limit(3).build()))
        .containsExactly(new Snapshot(TckData.OTHER_AGGREGATE, a, 5, T0, new State(0, "other")), snapshot(a, 20, 3), snapshot(a, 10, 0));
  }

  @Test
  void sortsAggregateIdsByTheirBytesUnsigned() {
    // As events do (ADR 0002): an id whose first byte is 0xF0 is negative as a Java long, and
    // UUID.compareTo would put it first; its bytes put it last.
    UUID low = new UUID(0x0100_0000_0000_7000L, 0x8000_0000_0000_0001L);
    UUID high = new UUID(0xF000_0000_0000_7000L, 0x8000_0000_0000_0001L);
    UUID lowTail = new UUID(0x0100_0000_0000_7000L, 0xF000_0000_0000_0001L); // high bit of the low half
    store.save(snapshot(high, 1, 0));
    store.save(snapshot(lowTail, 1, 1));
    store.save(snapshot(low, 1, 2));
    assertThat(list(SnapshotQuery.builder().sortBy(SortOrder.asc(SortField.AGGREGATE_ID)).build()))
        .extracting(Snapshot::aggregateId)
        .containsExactly(low, lowTail, high);
    assertThat(list(SnapshotQuery.builder().sortBy(SortOrder.desc(SortField.AGGREGATE_ID)).build()))
        .extracting(Snapshot::aggregateId)
        .containsExactly(high, lowTail, low);
  }

  @Test
  void refusesNullsNamingTheArgument() {
    UUID id = UUID.randomUUID();
    assertThatThrownBy(() -> store.save(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("snapshot");
    assertThatThrownBy(() -> store.latest(null, id)).isInstanceOf(NullPointerException.class).hasMessageContaining("aggregateName");
    assertThatThrownBy(() -> store.latest(NAME, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("aggregateId");
    assertThatThrownBy(() -> store.query(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("query");
    assertThatThrownBy(() -> store.delete(java.util.Arrays.asList(snapshot(id, 1, 0), null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("snapshots");
  }

  @Test
  void refusesAggregateNamesBeyondTheLimitsAndNulInFilters() {
    UUID id = UUID.randomUUID();
    String tooLong = "a".repeat(EventLimits.MAX_NAME_LENGTH + 1);
    assertThatThrownBy(() -> store.save(new Snapshot(tooLong, id, 1, T0, new State(1, "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("aggregate name")
        .hasMessageContaining(String.valueOf(EventLimits.MAX_NAME_LENGTH));
    assertThatThrownBy(() -> store.save(new Snapshot("or\u0000der", id, 1, T0, new State(1, "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> store.latest("or\u0000der", id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("aggregateName");
    assertThatThrownBy(() -> list(SnapshotQuery.builder().aggregateNames("or\u0000der").build()))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("NUL");
  }

  @Test
  void aStateWithANulCharacterIsRefusedOrKeptIntact() {
    UUID id = UUID.randomUUID();
    Snapshot nul = new Snapshot(NAME, id, 1, T0, new State(1, "a\u0000b"));
    try {
      store.save(nul);
    } catch (IllegalArgumentException refused) { // a store that encodes states to JSON
      assertThat(refused).hasMessageContaining("NUL").hasMessageContaining(id.toString());
      assertThat(store.latest(NAME, id)).isEmpty();
      return;
    }
    assertThat(store.latest(NAME, id)).contains(nul);
  }

  @Test
  void deletesSnapshots() {
    UUID id = UUID.randomUUID();
    store.save(snapshot(id, 10, 0));
    store.save(snapshot(id, 20, 1));
    store.delete(List.of(snapshot(id, 20, 1), snapshot(UUID.randomUUID(), 3, 0)));
    assertThat(store.latest(NAME, id)).contains(snapshot(id, 10, 0));
    store.delete(List.of(snapshot(id, 10, 0)));
    assertThat(store.latest(NAME, id)).isEmpty();
  }

  @Test
  void refusesUseAfterClose() {
    store.close();
    UUID id = UUID.randomUUID();
    assertThatThrownBy(() -> store.save(snapshot(id, 1, 0))).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.latest(NAME, id)).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.query(SnapshotQuery.builder().build())).isInstanceOf(ClosedException.class);
    store.close();
  }

  private long count(SnapshotQuery q) {
    try (Stream<Snapshot> s = store.query(q)) {
      return s.count();
    }
  }

  private List<Snapshot> list(SnapshotQuery q) {
    try (Stream<Snapshot> s = store.query(q)) {
      return s.toList();
    }
  }
}
