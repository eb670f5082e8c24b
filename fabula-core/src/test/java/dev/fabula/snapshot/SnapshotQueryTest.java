package dev.fabula.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.InvalidQueryException;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SnapshotQueryTest {
  @Test
  void equalityDoesNotDependOnTheOrderFiltersWereGivenIn() {
    UUID a = new UUID(1, 1);
    UUID b = new UUID(2, 2);
    SnapshotQuery one = SnapshotQuery.builder()
        .aggregateNames("p", "q", "r").aggregateIds(a, b).versions(1, 2, 3)
        .sortBy(SortOrder.asc(SortField.AGGREGATE_NAME), SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(5).build();
    SnapshotQuery other = SnapshotQuery.builder()
        .limit(5).versions(3, 1, 2).aggregateIds(b, a).aggregateNames("r", "q", "p")
        .sortBy(SortOrder.asc(SortField.AGGREGATE_NAME), SortOrder.desc(SortField.AGGREGATE_VERSION)).build();
    assertThat(other).isEqualTo(one);
    assertThat(other.hashCode()).isEqualTo(one.hashCode());
    assertThat(SnapshotQuery.builder().sortBy(SortOrder.asc(SortField.TIME), SortOrder.asc(SortField.AGGREGATE_ID)).build())
        .as("sort keys keep their order")
        .isNotEqualTo(SnapshotQuery.builder().sortBy(SortOrder.asc(SortField.AGGREGATE_ID), SortOrder.asc(SortField.TIME)).build());
    assertThat(SnapshotQuery.builder().versions(1).build()).isNotEqualTo(SnapshotQuery.builder().versions(2).build());
  }

  @Test
  void refusesBlankAggregateNamesNamingTheMethod() {
    assertThatThrownBy(() -> SnapshotQuery.builder().aggregateNames("account", " "))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("aggregateNames")
        .hasMessageContaining("must not be blank");
  }
}
