package dev.fabula.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.spi.UuidV7;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventQueryTest {
  private final Instant t = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void rejectsMinAfterMax() {
    assertThatThrownBy(() -> EventQuery.builder().timeMin(t.plusSeconds(1)).timeMax(t).build())
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("timeMin")
        .hasMessageContaining("after timeMax");
    assertThatThrownBy(() -> EventQuery.builder().versionMin(5).versionMax(4).build())
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("versionMin 5 is greater than versionMax 4");
  }

  @Test
  void rejectsAnEmptyTimeWindowAndBackwardRanges() {
    assertThatThrownBy(() -> EventQuery.builder().timeAfter(t).timeBefore(t).build())
        .isInstanceOf(InvalidQueryException.class);
    assertThatThrownBy(() -> EventQuery.builder().timeBetween(t.plusSeconds(1), t))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("is after its end");
    assertThatThrownBy(() -> EventQuery.builder().versionBetween(3, 2))
        .isInstanceOf(InvalidQueryException.class);
  }

  @Test
  void rejectsNegativeLimitPositionAndVersion() {
    assertThatThrownBy(() -> EventQuery.builder().limit(-1).build())
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("limit must not be negative, got -1");
    assertThatThrownBy(() -> EventQuery.builder().afterPosition(-5).build())
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("afterPosition");
    assertThatThrownBy(() -> EventQuery.builder().versionMin(-1).build())
        .isInstanceOf(InvalidQueryException.class);
  }

  @Test
  void rejectsASingleValuedSettingMadeTwice() {
    assertThatThrownBy(() -> EventQuery.builder().limit(1).limit(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("limit was already set to 1");
    assertThatThrownBy(() -> EventQuery.builder().afterPosition(1).afterPosition(2))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> EventQuery.builder().sortBy(SortField.TIME).sortBy(SortOrder.desc(SortField.TIME)).build())
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("TIME is given twice");
  }

  @Test
  void matchesAcrossKindsWithAndWithinKindsWithOr() {
    UUID id = UUID.randomUUID();
    Event<String> e = Event.of(id, "a", t, "x", new AggregateRef("order", id, 2), Metadata.empty(), 7);
    assertThat(EventQuery.builder().names("a", "b").versionExact(1, 2).build().matches(e)).isTrue();
    assertThat(EventQuery.builder().names("a").versionExact(1).build().matches(e)).isFalse();
    assertThat(EventQuery.builder().aggregate("order").build().matches(e)).isTrue();
    assertThat(EventQuery.builder().aggregate("order", UUID.randomUUID()).build().matches(e)).isFalse();
    assertThat(EventQuery.builder().afterPosition(7).build().matches(e)).isFalse();
    assertThat(EventQuery.builder().afterPosition(6).build().matches(e)).isTrue();
    Event<String> free = Event.create("a", "x");
    assertThat(EventQuery.builder().versionMin(0).build().matches(free)).as("aggregate filters exclude free events").isFalse();
  }

  @Test
  void roundTripsThroughItsBuilder() {
    EventQuery q = EventQuery.builder().names("a").timeMin(t).aggregate("order").limit(3).sortBy(SortField.TIME).build();
    assertThat(q.toBuilder().build()).isEqualTo(q);
  }

  @Test
  void eventsValidateTheirFields() {
    assertThatThrownBy(() -> Event.create(" ", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AggregateRef("order", UUID.randomUUID(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }

  @Test
  void uuidV7IsTimeOrderedAndVersioned() {
    UUID previous = UuidV7.next();
    for (int i = 0; i < 10_000; i++) {
      UUID next = UuidV7.next();
      assertThat(next.version()).isEqualTo(7);
      assertThat(next.variant()).isEqualTo(2);
      assertThat(Long.compareUnsigned(next.getMostSignificantBits(), previous.getMostSignificantBits())).isPositive();
      previous = next;
    }
  }

  @Test
  void equalityDoesNotDependOnTheOrderFiltersWereGivenIn() {
    UUID a = new UUID(1, 1);
    UUID b = new UUID(2, 2);
    Instant u = t.plusSeconds(60);
    EventQuery one = EventQuery.builder()
        .names("x", "y", "z").ids(a, b).timeExact(t, u).timeBetween(t, u).timeBetween(u, u.plusSeconds(1))
        .aggregateNames("p", "q").aggregateIds(a, b).versionExact(1, 2, 3).versionBetween(1, 2).versionBetween(5, 9)
        .aggregate("p", a).aggregate("q").sortBy(SortField.NAME).sortBy(SortField.TIME).build();
    EventQuery other = EventQuery.builder()
        .aggregate("q").aggregate("p", a).versionBetween(5, 9).versionBetween(1, 2).versionExact(3, 2, 1)
        .aggregateIds(b, a).aggregateNames("q", "p").timeBetween(u, u.plusSeconds(1)).timeBetween(t, u)
        .timeExact(u, t).ids(b, a).names("z", "y", "x").sortBy(SortField.NAME).sortBy(SortField.TIME).build();
    assertThat(other).isEqualTo(one);
    assertThat(other.hashCode()).isEqualTo(one.hashCode());
    EventQuery resorted = other.toBuilder().build();
    assertThat(resorted).isEqualTo(one);

    EventQuery sortedTheOtherWay = EventQuery.builder().sortBy(SortField.TIME).sortBy(SortField.NAME).build();
    assertThat(sortedTheOtherWay)
        .as("sort keys keep their order")
        .isNotEqualTo(EventQuery.builder().sortBy(SortField.NAME).sortBy(SortField.TIME).build());
    assertThat(EventQuery.builder().versionBetween(1, 2).build())
        .isNotEqualTo(EventQuery.builder().versionBetween(1, 3).build());
  }

  @Test
  void refusesBlankNamesNamingTheMethod() {
    UUID id = UUID.randomUUID();
    assertThatThrownBy(() -> EventQuery.builder().names(" "))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("names")
        .hasMessageContaining("must not be blank");
    assertThatThrownBy(() -> EventQuery.builder().names(java.util.List.of("ok", "")))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("names");
    assertThatThrownBy(() -> EventQuery.builder().aggregate("", id))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("aggregate")
        .hasMessageContaining("name must not be blank");
    assertThatThrownBy(() -> EventQuery.builder().aggregate("\t"))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("aggregate");
    assertThatThrownBy(() -> EventQuery.builder().aggregateNames("account", " "))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("aggregateNames");
    assertThatThrownBy(() -> EventQuery.builder().aggregates(java.util.List.of(AggregateSelector.anyId(""))))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("AggregateSelector");
    assertThatThrownBy(() -> AggregateSelector.of(" ", id))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("name must not be blank");
  }
}
