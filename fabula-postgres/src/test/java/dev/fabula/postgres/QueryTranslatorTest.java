package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.EventQuery;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.spi.QueryPlan;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The SQL the PostgreSQL store sends for each shape of query plan (no server needed). */
class QueryTranslatorTest {
  private static final UUID A = UUID.fromString("00000000-0000-7000-8000-00000000000a");
  private static final UUID B = UUID.fromString("00000000-0000-7000-8000-00000000000b");
  private static final int FETCH = 500;

  private final QueryTranslator translator = new QueryTranslator("s.events", FETCH);

  private QueryTranslator.Select translate(EventQuery.Builder q) {
    return translator.translate(QueryPlan.of(q.build()));
  }

  @Test
  void oneAggregatesLoadIsOneRoundTripWithoutItsNameAndIdColumns() {
    var s = translate(EventQuery.builder().aggregate("Cart", A).versionMin(3).sortBy(SortField.AGGREGATE_VERSION));
    assertThat(s.sql()).isEqualTo(
        "SELECT position, id, name, time_ns, NULL, NULL, aggregate_version, revision, data, metadata"
            + " FROM s.events WHERE aggregate_version >= ? AND aggregate_name = ? AND aggregate_id = ?"
            + " ORDER BY aggregate_version ASC");
    assertThat(s.params()).containsExactly(3, "Cart", A);
    assertThat(s.one()).isEqualTo(new QueryPlan.One("Cart", A));
    assertThat(s.fetchSize()).isZero();
  }

  @Test
  void theSameAggregateSelectedTwiceIsStillOneAggregate() {
    var s = translate(EventQuery.builder().aggregate("Cart", A).aggregate("Cart", A));
    assertThat(s.one()).isEqualTo(new QueryPlan.One("Cart", A));
    assertThat(s.sql()).contains("aggregate_name = ? AND aggregate_id = ?").doesNotContain("unnest");
    assertThat(s.params()).containsExactly("Cart", A);
  }

  @Test
  void severalAggregatesAreOneUnnestedInBoundedAndVisibleAtOnce() {
    var s = translate(EventQuery.builder().aggregate("Cart", A).aggregate("Cart", B));
    assertThat(s.sql())
        .startsWith("SELECT position, id, name, time_ns, aggregate_name, aggregate_id,")
        .contains("(aggregate_name, aggregate_id) IN (SELECT * FROM unnest(?::text[], ?::uuid[]))")
        .doesNotContain(Positions.SAFE)
        .endsWith(" ORDER BY position ASC");
    assertThat(s.one()).isNull();
    assertThat(s.fetchSize()).isZero();
    assertThat(s.params()).hasSize(2);
    assertThat((Pg.TypedArray) s.params().get(1)).satisfies(a -> {
      assertThat(a.type()).isEqualTo("uuid");
      assertThat(a.values()).containsExactly(A, B);
    });
  }

  @Test
  void aReadThatFollowsTheStoreStopsAtTheGapSafeHorizonAndStreams() {
    var s = translate(EventQuery.builder().aggregate("Cart").afterPosition(7).limit(10));
    assertThat(s.sql())
        .contains(" WHERE " + Positions.SAFE + " AND position > ? AND ")
        .contains("(aggregate_name = ANY(?::text[]))")
        .endsWith(" ORDER BY position ASC LIMIT ?");
    assertThat(s.fetchSize()).isEqualTo(FETCH);
    assertThat(s.params()).first().isEqualTo(7L);
    assertThat(s.params()).last().isEqualTo(10);
  }

  @Test
  void givenIdsOrAggregateIdsSeeEveryCommittedRowButStillStream() {
    for (var q : new EventQuery.Builder[] {EventQuery.builder().ids(A), EventQuery.builder().aggregateIds(A)}) {
      var s = translate(q);
      assertThat(s.sql()).doesNotContain(Positions.SAFE);
      assertThat(s.fetchSize()).isEqualTo(FETCH);
    }
  }

  @Test
  void eventsWithoutAggregateSortFirstAscendingAndLastDescendingUnlessFilteredOut() {
    var all = translate(EventQuery.builder().sortBy(SortOrder.desc(SortField.AGGREGATE_NAME), SortOrder.asc(SortField.AGGREGATE_ID)));
    assertThat(all.sql()).endsWith(
        " ORDER BY aggregate_name COLLATE \"C\" DESC NULLS LAST, aggregate_id ASC NULLS FIRST, position ASC");
    var some = translate(EventQuery.builder().aggregateNames("Cart").sortBy(SortOrder.desc(SortField.AGGREGATE_NAME)));
    assertThat(some.sql()).endsWith(" ORDER BY aggregate_name COLLATE \"C\" DESC, position ASC");
  }

  @Test
  void oneNameInPositionOrderSortsByTheNameFirstSoTheNameIndexServesIt() {
    assertThat(translate(EventQuery.builder().names("a").limit(51)).sql())
        .contains("name = ANY(?::text[])")
        .endsWith(" ORDER BY name ASC, position ASC LIMIT ?");
    assertThat(translate(EventQuery.builder().names("a").sortBy(SortOrder.desc(SortField.POSITION))).sql())
        .endsWith(" ORDER BY name DESC, position DESC");
    // Two names, another order, or given aggregates: position (or the asked order) alone.
    assertThat(translate(EventQuery.builder().names("a", "b")).sql()).endsWith(" ORDER BY position ASC");
    assertThat(translate(EventQuery.builder().names("a").sortBy(SortField.TIME)).sql())
        .endsWith(" ORDER BY time_ns ASC, position ASC");
    assertThat(translate(EventQuery.builder().names("a").aggregate("Cart", A)).sql())
        .doesNotContain("ORDER BY name");
  }

  @Test
  void aTimeBoundedPageInPositionOrderIsWhatTheTimelineIndexServes() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    EventQuery.Builder[] served = {
      EventQuery.builder().timeMin(t).limit(51),
      EventQuery.builder().timeMax(t).sortBy(SortField.POSITION).limit(51),
      EventQuery.builder().timeAfter(t).timeBefore(t.plusSeconds(1)).afterPosition(9).limit(5),
      EventQuery.builder().timeMin(t).aggregateNames("Cart").limit(5),
      EventQuery.builder().timeMin(t).names("a", "b").limit(5),
      EventQuery.builder().timeBetween(t, t.plusSeconds(1)).limit(5),
    };
    for (EventQuery.Builder q : served) {
      assertThat(QueryTranslator.servedByTimeIndex(QueryPlan.of(q.build()))).as(q.build().toString()).isTrue();
    }
    EventQuery.Builder[] notServed = {
      EventQuery.builder().timeMin(t), // no page: a whole range, streamed
      EventQuery.builder().limit(51), // no time bound
      EventQuery.builder().timeExact(t).limit(51), // the time index's own case
      EventQuery.builder().timeBetween(t, t.plusSeconds(1)).timeBetween(t.plusSeconds(5), t.plusSeconds(6))
          .limit(51), // an OR of ranges
      EventQuery.builder().timeMin(t).names("a").limit(51), // the (name, position) index's case
      EventQuery.builder().timeMin(t).sortBy(SortOrder.desc(SortField.POSITION)).limit(51),
      EventQuery.builder().timeMin(t).sortBy(SortField.TIME).limit(51),
      EventQuery.builder().timeMin(t).aggregate("Cart", A).limit(51),
      EventQuery.builder().timeMin(t).aggregate("Cart", A).aggregate("Cart", B).limit(51),
    };
    for (EventQuery.Builder q : notServed) {
      assertThat(QueryTranslator.servedByTimeIndex(QueryPlan.of(q.build()))).as(q.build().toString()).isFalse();
    }
  }

  @Test
  void withTheTimelineIndexAPageOrdersByTheDistanceFromPositionZero() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    QueryPlan page = QueryPlan.of(EventQuery.builder().timeMin(t).timeMax(t.plusSeconds(60)).afterPosition(7)
        .limit(51).build());
    var indexed = translator.translate(page, "OPERATOR(ext.<->)");
    var plain = translator.translate(page, null);
    assertThat(indexed.sql())
        .isEqualTo(plain.sql().replace(" ORDER BY position ASC LIMIT ?", " ORDER BY position OPERATOR(ext.<->) 0::bigint LIMIT ?"))
        .contains(Positions.SAFE + " AND position > ? AND time_ns >= ? AND time_ns <= ?");
    assertThat(indexed.params()).isEqualTo(plain.params()).last().isEqualTo(51);
    assertThat(indexed.fetchSize()).isEqualTo(plain.fetchSize());
    assertThat(plain.sql()).isEqualTo(translator.translate(page).sql());
    // A plan the index does not serve keeps its SQL whatever the index's state.
    QueryPlan whole = QueryPlan.of(EventQuery.builder().timeMin(t).build());
    assertThat(translator.translate(whole, "OPERATOR(ext.<->)").sql()).isEqualTo(translator.translate(whole).sql());
  }
}
