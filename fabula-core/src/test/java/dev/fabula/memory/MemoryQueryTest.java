package dev.fabula.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.spi.QueryPlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store's walks (one aggregate's index range, several merged, a scan from a position)
 * against the plan's own predicate and comparator applied to every stored event, also where
 * deletions left an aggregate's versions with a hole (so a version range is no index range).
 */
class MemoryQueryTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final UUID a = new UUID(1, 1);
  private final UUID b = new UUID(0xF000_0000_0000_0000L, 2);
  private final UUID c = new UUID(3, 3);

  @Test
  void everyWalkReturnsWhatThePlanSelectsInThePlansOrder() {
    EventStore store = InMemory.eventStore();
    Random random = new Random(19);
    int[] versions = new int[3];
    UUID[] ids = {a, b, c};
    for (int i = 0; i < 60; i++) {
      int k = random.nextInt(4);
      Event<String> e = Event.create(random.nextBoolean() ? "x" : "y", "d").withTime(T.plusSeconds(random.nextInt(20)));
      store.insert(List.of(k == 3 ? e : e.withAggregate(k == 2 ? "invoice" : "order", ids[k], ++versions[k])));
    }
    List<Event<?>> beforeDeletes = all(store);
    // Holes: order a loses a version in the middle, invoice c its first.
    store.delete(List.of(find(beforeDeletes, "order", a, 4), find(beforeDeletes, "invoice", c, 1)));
    List<Event<?>> stored = all(store);
    assertThat(stored).hasSize(beforeDeletes.size() - 2);

    List<EventQuery> queries = new ArrayList<>();
    for (EventQuery.Builder selection : List.of(
        EventQuery.builder().aggregate("order", a),
        EventQuery.builder().aggregate("order", a).aggregate("order", a),
        EventQuery.builder().aggregate("invoice", c),
        EventQuery.builder().aggregate("order", a).aggregate("order", b),
        EventQuery.builder().aggregate("order", b).aggregate("invoice", c).aggregate("order", a),
        EventQuery.builder().aggregate("order", a).aggregate("order"),
        EventQuery.builder())) {
      EventQuery base = selection.build();
      queries.add(base);
      queries.add(base.toBuilder().versionMin(3).versionMax(6).build());
      queries.add(base.toBuilder().versionMin(2).names("x").build());
      queries.add(base.toBuilder().afterPosition(20).limit(5).build());
      queries.add(base.toBuilder().sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(4).build());
      queries.add(base.toBuilder().sortBy(SortField.TIME).sortBy(SortOrder.desc(SortField.AGGREGATE_ID)).build());
      queries.add(base.toBuilder().versionMax(5).sortBy(SortField.AGGREGATE_NAME).sortBy(SortField.AGGREGATE_VERSION).build());
    }
    for (EventQuery q : queries) {
      QueryPlan plan = QueryPlan.of(q);
      Stream<Event<?>> reference = stored.stream().filter(plan::matches).sorted(plan.comparator());
      if (q.limit().isPresent()) {
        reference = reference.limit(q.limit().getAsInt());
      }
      List<Long> expected = reference.map(Event::position).toList();
      try (Stream<Event<?>> s = store.query(q)) {
        assertThat(s.map(Event::position).toList()).as(q.toString()).containsExactlyElementsOf(expected);
      }
    }
    try (Stream<Event<?>> s = store.query(EventQuery.builder().aggregate("order", a).versionMin(3).versionMax(5).build())) {
      assertThat(s.map(e -> e.aggregate().orElseThrow().version()).toList())
          .as("the hole left by the deleted version 4")
          .containsExactly(3, 5);
    }
  }

  @Test
  void severalMergesManyAggregatesSomeUnknownSomeWithHolesInPositionOrder() {
    EventStore store = InMemory.eventStore();
    int aggregates = 300;
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < aggregates; i++) {
      ids.add(new UUID(7, i));
    }
    // Interleaved: round r appends version r + 1 to every aggregate i with i % 3 >= r % 3.
    int[] versions = new int[aggregates];
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < aggregates; i++) {
        if (i % 3 >= round % 3) {
          store.insert(List.of(Event.create("x", "d").withAggregate("order", ids.get(i), ++versions[i])));
        }
      }
    }
    List<Event<?>> stored = all(store);
    store.delete(List.of(find(stored, "order", ids.get(2), 2), find(stored, "order", ids.get(5), 1)));
    stored = all(store);
    EventQuery.Builder selection = EventQuery.builder();
    for (int i = 0; i < aggregates; i += 2) { // every other aggregate, and some never stored
      selection.aggregate("order", ids.get(i)).aggregate("order", new UUID(8, i));
    }
    EventQuery whole = selection.build();
    for (EventQuery q : List.of(whole, whole.toBuilder().versionMin(2).versionMax(3).build())) {
      QueryPlan plan = QueryPlan.of(q);
      assertThat(plan.scope()).isInstanceOf(QueryPlan.Several.class);
      List<Long> expected = stored.stream().filter(plan::matches).map(Event::position).toList();
      assertThat(expected).as("the case is not empty").hasSizeGreaterThan(aggregates / 2);
      try (Stream<Event<?>> s = store.query(q)) {
        assertThat(s.map(Event::position).toList()).as(q.toString()).containsExactlyElementsOf(expected);
      }
    }
  }

  private static List<Event<?>> all(EventStore store) {
    try (Stream<Event<?>> s = store.query(EventQuery.all())) {
      return s.toList();
    }
  }

  private static Event<?> find(List<Event<?>> events, String name, UUID id, int version) {
    return events.stream()
        .filter(e -> e.aggregate().isPresent() && e.aggregate().get().name().equals(name)
            && e.aggregate().get().id().equals(id) && e.aggregate().get().version() == version)
        .findFirst()
        .orElseThrow();
  }
}
