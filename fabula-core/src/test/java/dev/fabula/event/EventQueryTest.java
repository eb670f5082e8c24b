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
  void refusesContradictingSettingsAtTheSecondNamingBoth() {
    assertThatThrownBy(() -> EventQuery.builder().timeMin(t.plusSeconds(1)).timeMax(t))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin " + t.plusSeconds(1))
        .hasMessageContaining("after timeMax " + t);
    assertThatThrownBy(() -> EventQuery.builder().timeMax(t).timeMin(t.plusSeconds(1)))
        .as("in either order")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin " + t.plusSeconds(1) + " is after timeMax " + t);
    assertThatThrownBy(() -> EventQuery.builder().versionMin(5).versionMax(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin 5 is greater than versionMax 4");
    assertThatThrownBy(() -> EventQuery.builder().versionMax(4).versionMin(5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin 5 is greater than versionMax 4");
    assertThatThrownBy(() -> EventQuery.builder().timeAfter(t).timeBefore(t))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeAfter " + t + " is not before timeBefore " + t);
    assertThatThrownBy(() -> EventQuery.builder().timeBefore(t).timeAfter(t.plusSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeAfter")
        .hasMessageContaining("timeBefore");
    assertThatThrownBy(() -> EventQuery.builder().sortBy(SortField.TIME).sortBy(SortOrder.desc(SortField.TIME)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TIME is given twice")
        .hasMessageContaining("sortBy(" + SortOrder.asc(SortField.TIME) + ")")
        .hasMessageContaining("sortBy(" + SortOrder.desc(SortField.TIME) + ")");
    // equal bounds are a single point, not a contradiction
    assertThat(EventQuery.builder().timeMin(t).timeMax(t).versionMin(3).versionMax(3).build().versionMin()).hasValue(3);
  }

  @Test
  void refusesTimeBoundsOfOppositeKindsThatNoEventCanMeet() {
    assertThatThrownBy(() -> EventQuery.builder().timeMin(t).timeBefore(t))
        .as("t >= min and t < min")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin " + t + " is not before timeBefore " + t);
    assertThatThrownBy(() -> EventQuery.builder().timeBefore(t).timeMin(t.plusSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin " + t.plusSeconds(1) + " is not before timeBefore " + t);
    assertThatThrownBy(() -> EventQuery.builder().timeAfter(t).timeMax(t))
        .as("t > max and t <= max")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeAfter " + t + " is not before timeMax " + t);
    assertThatThrownBy(() -> EventQuery.builder().timeMax(t).timeAfter(t.plusSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeAfter " + t.plusSeconds(1) + " is not before timeMax " + t);
    EventQuery open = EventQuery.builder().timeMin(t).timeBefore(t.plusNanos(1)).timeAfter(t.minusNanos(1)).timeMax(t).build();
    assertThat(open.timeMin()).as("bounds one instant apart still meet at t").hasValue(t);
  }

  @Test
  void aCopiedBoundMayBeReplacedInEitherOrderAndIsCheckedAtBuild() {
    UUID id = new UUID(1, 1);
    EventQuery q = EventQuery.builder().aggregate("order", id).versionMin(1).versionMax(100)
        .timeMin(t).timeMax(t.plusSeconds(10)).timeAfter(t).timeBefore(t.plusSeconds(10)).build();
    EventQuery later = q.toBuilder().versionMin(101).versionMax(200)
        .timeMin(t.plusSeconds(20)).timeMax(t.plusSeconds(30))
        .timeAfter(t.plusSeconds(20)).timeBefore(t.plusSeconds(30)).build();
    assertThat(later.versionMin()).hasValue(101);
    assertThat(later.versionMax()).hasValue(200);
    assertThat(later.timeMin()).hasValue(t.plusSeconds(20));
    assertThat(later.timeAfter()).hasValue(t.plusSeconds(20));
    EventQuery earlier = q.toBuilder().versionMax(0).versionMin(0).timeBefore(t.minusSeconds(5)).timeMax(t.minusSeconds(5))
        .timeMin(t.minusSeconds(9)).timeAfter(t.minusSeconds(9)).build();
    assertThat(earlier.versionMax()).as("the upper bound first").hasValue(0);
    assertThat(earlier.timeMax()).hasValue(t.minusSeconds(5));

    assertThatThrownBy(() -> q.toBuilder().versionMin(101).build())
        .as("the copied maximum left in place")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin 101 is greater than versionMax 100")
        .hasMessageContaining("copied by toBuilder()");
    assertThatThrownBy(() -> q.toBuilder().timeMin(t.plusSeconds(11)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin " + t.plusSeconds(11) + " is after timeMax " + t.plusSeconds(10));
    assertThatThrownBy(() -> q.toBuilder().timeBefore(t).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeAfter " + t + " is not before timeBefore " + t);
    assertThatThrownBy(() -> q.toBuilder().timeMax(t).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeAfter " + t + " is not before timeMax " + t);
    assertThatThrownBy(() -> q.toBuilder().timeMin(t.plusSeconds(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin " + t.plusSeconds(10) + " is not before timeBefore " + t.plusSeconds(10));
    assertThatThrownBy(() -> q.toBuilder().versionMin(101).versionMax(100))
        .as("two values made on the builder still fail at the setter")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin 101 is greater than versionMax 100")
        .hasMessageNotContaining("copied");
  }

  @Test
  void aContradictionLeavesTheEarlierSettingInPlace() {
    EventQuery.Builder b = EventQuery.builder().versionMax(4);
    assertThatThrownBy(() -> b.versionMin(5)).isInstanceOf(IllegalStateException.class);
    assertThat(b.versionMin(2).build().versionMin()).as("the refused value was not taken").hasValue(2);
  }

  @Test
  void rejectsBackwardRangesAtOnce() {
    assertThatThrownBy(() -> EventQuery.builder().timeBetween(t.plusSeconds(1), t))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("is after its end");
    assertThatThrownBy(() -> EventQuery.builder().versionBetween(3, 2))
        .isInstanceOf(InvalidQueryException.class);
  }

  @Test
  void rejectsNegativeLimitPositionAndVersionAtTheSetter() {
    assertThatThrownBy(() -> EventQuery.builder().limit(-1))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("limit must not be negative, got -1");
    assertThatThrownBy(() -> EventQuery.builder().afterPosition(-5))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("afterPosition must not be negative, got -5");
    assertThatThrownBy(() -> EventQuery.builder().versionMin(-1))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("versionMin must not be negative, got -1");
    assertThatThrownBy(() -> EventQuery.builder().versionMax(-1))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("versionMax must not be negative, got -1");
    assertThat(EventQuery.builder().versionMax(0).build().versionMax())
        .as("no version is 0, but like a limit of 0 it is a valid query that selects nothing")
        .hasValue(0);
  }

  @Test
  void rejectsEverySingleValuedSettingMadeTwiceNamingBothValues() {
    Instant u = t.plusSeconds(5);
    assertThatThrownBy(() -> EventQuery.builder().limit(1).limit(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("limit was already set to 1, cannot set it to 2");
    assertThatThrownBy(() -> EventQuery.builder().limit(1).limit(1))
        .as("even to the same value")
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> EventQuery.builder().afterPosition(0).afterPosition(2))
        .as("a start position of 0 is a setting made too")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("afterPosition was already set to 0, cannot set it to 2");
    assertThatThrownBy(() -> EventQuery.builder().timeMin(t).timeMin(u))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timeMin was already set to " + t + ", cannot set it to " + u);
    assertThatThrownBy(() -> EventQuery.builder().timeMax(t).timeMax(u))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("timeMax was already set");
    assertThatThrownBy(() -> EventQuery.builder().timeBefore(t).timeBefore(u))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("timeBefore was already set");
    assertThatThrownBy(() -> EventQuery.builder().timeAfter(t).timeAfter(u))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("timeAfter was already set");
    assertThatThrownBy(() -> EventQuery.builder().versionMin(1).versionMin(2))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("versionMin was already set to 1, cannot set it to 2");
    assertThatThrownBy(() -> EventQuery.builder().versionMax(1).versionMax(2))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("versionMax was already set to 1, cannot set it to 2");
  }

  @Test
  void multiValuedFiltersKeepAccumulating() {
    UUID a = new UUID(1, 1);
    UUID b = new UUID(2, 2);
    EventQuery q = EventQuery.builder()
        .names("x").names("y").ids(a).ids(b).timeExact(t).timeExact(t.plusSeconds(1))
        .timeBetween(t, t.plusSeconds(1)).timeBetween(t.plusSeconds(5), t.plusSeconds(6))
        .aggregateNames("p").aggregateNames("q").aggregateIds(a).aggregateIds(b)
        .versionExact(1).versionExact(2).versionBetween(1, 2).versionBetween(4, 5)
        .aggregate("p", a).aggregate("q").sortBy(SortField.NAME).sortBy(SortField.TIME).build();
    assertThat(q.names()).containsExactlyInAnyOrder("x", "y");
    assertThat(q.ids()).containsExactlyInAnyOrder(a, b);
    assertThat(q.timeExact()).hasSize(2);
    assertThat(q.timeRanges()).hasSize(2);
    assertThat(q.aggregateNames()).containsExactlyInAnyOrder("p", "q");
    assertThat(q.aggregateIds()).containsExactlyInAnyOrder(a, b);
    assertThat(q.versionExact()).containsExactlyInAnyOrder(1, 2);
    assertThat(q.versionRanges()).hasSize(2);
    assertThat(q.aggregates()).containsExactly(AggregateSelector.of("p", a), AggregateSelector.anyId("q"));
    assertThat(q.sort()).containsExactly(SortOrder.asc(SortField.NAME), SortOrder.asc(SortField.TIME));
  }

  @Test
  void toBuilderLetsEachCopiedSettingBeReplacedOnce() {
    EventQuery q = EventQuery.builder().names("a").limit(3).afterPosition(7).versionMax(9).timeMin(t).build();
    EventQuery narrower = q.toBuilder().limit(5).afterPosition(8).versionMax(4).timeMin(t.plusSeconds(1)).names("b").build();
    assertThat(narrower.limit()).hasValue(5);
    assertThat(narrower.afterPosition()).isEqualTo(8);
    assertThat(narrower.versionMax()).hasValue(4);
    assertThat(narrower.timeMin()).contains(t.plusSeconds(1));
    assertThat(narrower.names()).as("filters add to those copied").containsExactlyInAnyOrder("a", "b");
    assertThat(q.limit()).as("the original is unchanged").hasValue(3);

    assertThatThrownBy(() -> q.toBuilder().limit(5).limit(6))
        .as("a replaced setting counts as made")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("limit was already set to 5, cannot set it to 6");
    assertThatThrownBy(() -> q.toBuilder().versionMin(10).build())
        .as("a contradiction with a copied value, at build()")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("versionMin 10 is greater than versionMax 9");
    assertThatThrownBy(() -> EventQuery.builder().sortBy(SortField.TIME).build().toBuilder().sortBy(SortField.TIME))
        .as("sort keys accumulate, also after toBuilder")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TIME is given twice");
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
