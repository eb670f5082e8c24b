package dev.fabula.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class EventUpcastingTest {
  record Paid(String x) {}

  private final CodecRegistry plain = CodecRegistry.builder().register("paid", Paid.class).build();
  private final CodecRegistry evolving = CodecRegistry.builder()
      .register("paid", Paid.class)
      .eventUpcaster("paidV1", 1, "paid", 1, m -> m)
      .build();

  @Test
  void partIdsAreStableDistinctAndKeepTheStoredIdsTimeVersionAndVariant() {
    UUID stored = UuidV7.next();
    assertThat(EventUpcasting.partId(stored, 0)).isSameAs(stored);
    Set<UUID> seen = new HashSet<>(Set.of(stored));
    for (int i = 1; i < 1_000; i++) {
      UUID part = EventUpcasting.partId(stored, i);
      assertThat(part).isEqualTo(EventUpcasting.partId(stored, i));
      assertThat(seen.add(part)).as("part %d is new", i).isTrue();
      assertThat(part.getMostSignificantBits()).isEqualTo(stored.getMostSignificantBits());
      assertThat(part.version()).isEqualTo(7);
      assertThat(part.variant()).isEqualTo(2);
    }
  }

  @Test
  void withoutEventUpcastersQueriesAndNamesAreUntouched() {
    EventQuery q = EventQuery.builder().names("paid").limit(3).build();
    assertThat(EventUpcasting.storedPlan(plain, q).query()).isSameAs(q);
    assertThat(EventUpcasting.storedPlan(plain, q).limit()).hasValue(3);
    Stream<Event<?>> s = Stream.empty();
    assertThat(EventUpcasting.finish(plain, q, s)).isSameAs(s);
    assertThat(EventUpcasting.storedNames(plain, Set.of("paid"))).containsExactly("paid");
  }

  @Test
  void withEventUpcastersANameFilterWidensAndTheLimitMovesAfterUpcasting() {
    EventQuery q = EventQuery.builder().names("paid").limit(1).build();
    QueryPlan stored = EventUpcasting.storedPlan(evolving, q);
    assertThat(stored.query().names()).containsExactlyInAnyOrder("paid", "paidV1");
    assertThat(stored.limit()).isEmpty();
    Event<?> a = Event.create("paid", new Paid("a"));
    Event<?> b = Event.create("other", new Paid("b"));
    Event<?> c = Event.create("paid", new Paid("c"));
    assertThat(EventUpcasting.finish(evolving, q, Stream.of(b, a, c)).toList()).containsExactly(a);
    assertThat(EventUpcasting.storedNames(evolving, Set.of("paid"))).containsExactlyInAnyOrder("paid", "paidV1");
    assertThat(EventUpcasting.storedNames(evolving, Set.of(EventBus.ALL))).containsExactly(EventBus.ALL);
    assertThat(EventUpcasting.withStoredId(List.of())).isEmpty();
  }
}
