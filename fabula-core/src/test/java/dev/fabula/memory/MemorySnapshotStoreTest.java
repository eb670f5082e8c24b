package dev.fabula.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The in-memory snapshot store's sort, where it must agree with PostgreSQL's {@code COLLATE "C"}. */
class MemorySnapshotStoreTest {
  @Test
  void aggregateNamesSortByCodePointNotByUtf16Units() {
    SnapshotStore store = InMemory.snapshotStore();
    UUID id = new UUID(1, 1);
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    Snapshot supplementary = new Snapshot("s\uD83D\uDE00", id, 1, t, "a"); // U+1F600: units D83D DE00
    Snapshot privateUse = new Snapshot("s\uE000", id, 1, t, "b");
    Snapshot replacement = new Snapshot("s\uFFFD", id, 1, t, "c");
    store.save(supplementary);
    store.save(replacement);
    store.save(privateUse);
    try (Stream<Snapshot> s = store.query(SnapshotQuery.builder().sortBy(SortOrder.asc(SortField.AGGREGATE_NAME)).build())) {
      assertThat(s.toList()).containsExactly(privateUse, replacement, supplementary);
    }
    try (Stream<Snapshot> s = store.query(SnapshotQuery.builder().sortBy(SortOrder.desc(SortField.AGGREGATE_NAME)).build())) {
      assertThat(s.toList()).isEqualTo(List.of(supplementary, replacement, privateUse));
    }
  }
}
