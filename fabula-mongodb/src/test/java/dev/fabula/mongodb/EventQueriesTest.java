package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.tck.TckData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What the MongoDB query path adds to the kit's cases: sorted reads with a limit, version floors. */
class EventQueriesTest {
  @Test
  void aSortedReadWithALimitKeepsTheFirstEventsOfTheOrder() {
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), TestMongo.freshOptions().build())) {
      Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
      List<Event<?>> batch = new ArrayList<>();
      int[] seconds = {5, 1, 9, 3, 7, 2, 8};
      for (int s : seconds) {
        batch.add(TckData.alpha("at " + s).withTime(t0.plusSeconds(s)));
      }
      store.insert(batch.subList(0, 3));
      store.insert(batch.subList(3, 7));
      EventQuery latest = EventQuery.builder().sortBy(SortOrder.desc(SortField.TIME)).limit(3).build();
      try (Stream<Event<?>> s = store.query(latest)) {
        assertThat(s.map(e -> e.time().getEpochSecond() - t0.getEpochSecond())).containsExactly(9L, 8L, 7L);
      }
    }
  }

  @Test
  void oneAggregatesEventsReadByVersionFromAFloor() {
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), TestMongo.freshOptions().build())) {
      UUID agg = UUID.randomUUID();
      List<UUID> ids = new ArrayList<>();
      for (int v = 1; v <= 6; v++) {
        ids.add(store.insert(List.of(TckData.beta("order", agg, v))).get(0).id());
      }
      store.insert(List.of(TckData.beta("order", UUID.randomUUID(), 1), TckData.beta("orders", agg, 1)));
      EventQuery q = EventQuery.builder().aggregate("order", agg).versionMin(3).versionMax(5).build();
      try (Stream<Event<?>> s = store.query(q)) {
        assertThat(s.map(Event::id)).containsExactlyElementsOf(ids.subList(2, 5));
      }
    }
  }

  @Test
  void oneAggregateByDescendingVersionStreamsBackwardsThroughItsBatches() {
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), TestMongo.freshOptions().build())) {
      UUID agg = UUID.randomUUID();
      UUID other = UUID.randomUUID();
      store.insert(List.of(TckData.beta("order", agg, 1), TckData.beta("order", other, 1), TckData.beta("order", agg, 2)));
      store.insert(List.of(TckData.beta("order", other, 2)));
      store.insert(List.of(TckData.beta("order", agg, 3), TckData.beta("order", agg, 4)));
      assertThat(EventQueries.inReversePositionOrder(dev.fabula.spi.QueryPlan.of(
          EventQuery.builder().aggregate("order", agg).sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).build()))).isTrue();
      EventQuery q = EventQuery.builder().aggregate("order", agg).sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).build();
      try (Stream<Event<?>> s = store.query(q)) {
        assertThat(s.map(e -> e.aggregateOrNull().version())).containsExactly(4, 3, 2, 1);
      }
      try (Stream<Event<?>> s = store.query(EventQuery.builder().aggregate("order", agg)
          .sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(3).build())) {
        assertThat(s.map(e -> e.aggregateOrNull().version())).containsExactly(4, 3, 2);
      }
      // Across aggregates, descending versions are no position order: sorted in memory instead.
      assertThat(EventQueries.inReversePositionOrder(dev.fabula.spi.QueryPlan.of(
          EventQuery.builder().aggregate("order").sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).build()))).isFalse();
    }
  }
}
