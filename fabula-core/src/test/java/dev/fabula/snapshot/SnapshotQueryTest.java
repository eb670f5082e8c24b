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

  @Test
  void refusesASingleValuedSettingMadeTwiceNamingBothValues() {
    java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
    assertThatThrownBy(() -> SnapshotQuery.builder().limit(1).limit(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("limit was already set to 1, cannot set it to 2");
    assertThatThrownBy(() -> SnapshotQuery.builder().versionMin(1).versionMin(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin was already set to 1, cannot set it to 2");
    assertThatThrownBy(() -> SnapshotQuery.builder().versionMax(1).versionMax(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMax was already set to 1");
    assertThatThrownBy(() -> SnapshotQuery.builder().timeMin(t).timeMin(t))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin was already set to " + t);
    assertThatThrownBy(() -> SnapshotQuery.builder().timeMax(t).timeMax(t))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMax was already set to " + t);
  }

  @Test
  void refusesContradictingSettingsAtTheSecondNamingBoth() {
    java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
    assertThatThrownBy(() -> SnapshotQuery.builder().versionMin(5).versionMax(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin 5 is greater than versionMax 4");
    assertThatThrownBy(() -> SnapshotQuery.builder().versionMax(4).versionMin(5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin 5 is greater than versionMax 4");
    assertThatThrownBy(() -> SnapshotQuery.builder().timeMax(t).timeMin(t.plusSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin " + t.plusSeconds(1) + " is after timeMax " + t);
    assertThatThrownBy(() -> SnapshotQuery.builder().sortBy(SortOrder.asc(SortField.TIME)).sortBy(SortOrder.desc(SortField.TIME)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TIME is given twice");
    assertThat(SnapshotQuery.builder().versionMin(3).versionMax(3).build().versionMax()).hasValue(3);
  }

  @Test
  void refusesUnusableValuesAtTheSetter() {
    assertThatThrownBy(() -> SnapshotQuery.builder().limit(-1))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("limit must not be negative, got -1");
    assertThatThrownBy(() -> SnapshotQuery.builder().sortBy(SortOrder.asc(SortField.NAME)))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("cannot be sorted by NAME");
  }

  @Test
  void namesVersionsAndSortKeysAccumulate() {
    UUID a = new UUID(1, 1);
    SnapshotQuery q = SnapshotQuery.builder().aggregateNames("p").aggregateNames("q").aggregateIds(a)
        .versions(1).versions(2).sortBy(SortOrder.asc(SortField.TIME)).sortBy(SortOrder.asc(SortField.AGGREGATE_ID)).build();
    assertThat(q.aggregateNames()).containsExactlyInAnyOrder("p", "q");
    assertThat(q.versions()).containsExactlyInAnyOrder(1, 2);
    assertThat(q.sort()).containsExactly(SortOrder.asc(SortField.TIME), SortOrder.asc(SortField.AGGREGATE_ID));
  }
}
