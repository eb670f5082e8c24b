package dev.fabula.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventUpcasterTest {
  record Paid(Map<String, Object> amount) {}

  record Other(String x) {}

  private static Map<String, Object> tree(String key, Object value) {
    var m = new HashMap<String, Object>();
    m.put(key, value);
    return m;
  }

  @Test
  void renamesThenReshapesThroughTheNewNamesOwnUpcasters() {
    CodecRegistry r = CodecRegistry.builder()
        .register("paid", Paid.class, 2)
        .upcaster("paid", 1, m -> tree("amount", Map.of("value", m.get("amount"), "currency", "EUR")))
        .eventUpcaster("paidV1", 1, "paid", 1, old -> tree("amount", old.get("sum")))
        .build();
    List<EventPayload> read = r.upcastEvent(new EventPayload("paidV1", 1, tree("sum", 12)), true);
    assertThat(read).containsExactly(
        new EventPayload("paid", 2, Map.of("amount", Map.of("value", 12, "currency", "EUR"))));
    assertThat(r.storedNamesOf("paid")).containsExactlyInAnyOrder("paid", "paidV1");
    assertThat(r.storedNamesOf("other")).containsExactly("other");
    assertThat(r.hasEventUpcaster("paidV1")).isTrue();
    assertThat(r.hasEventUpcaster("paid")).isFalse();
    assertThat(r.upcastsEvents()).isTrue();
    assertThat(CodecRegistry.builder().register("paid", Paid.class).build().upcastsEvents()).isFalse();
  }

  @Test
  void chainsAcrossNamesAndWidensNameFiltersTransitively() {
    CodecRegistry r = CodecRegistry.builder()
        .register("c", Other.class)
        .eventUpcaster("a", 1, "b", 1, m -> m)
        .eventUpcaster("b", 1, "c", 1, m -> m)
        .eventUpcaster("b", 2, Set.of(), stored -> List.of())
        .build();
    assertThat(r.upcastEvent(new EventPayload("a", 1, tree("x", "1")), false))
        .containsExactly(new EventPayload("c", 1, Map.of("x", "1")));
    assertThat(r.upcastEvent(new EventPayload("b", 2, tree("x", "1")), false)).isEmpty();
    assertThat(r.storedNamesOf("c")).containsExactlyInAnyOrder("a", "b", "c");
    assertThatThrownBy(() -> r.upcastEvent(new EventPayload("a", 2, tree("x", "1")), false))
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("no event upcaster reads revision 2");
  }

  @Test
  void refusesACycleNamingIt() {
    assertThatThrownBy(() -> CodecRegistry.builder()
            .register("c", Other.class)
            .eventUpcaster("a", 1, "b", 1, m -> m)
            .eventUpcaster("b", 1, Set.of("a", "c"), stored -> List.of())
            .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cycle, a -> b -> a");
  }

  @Test
  void refusesTwoUpcastersForOneSourceAndBadRegistrations() {
    EventUpcaster first = stored -> List.of();
    EventUpcaster second = stored -> List.of();
    assertThatThrownBy(() -> CodecRegistry.builder()
            .eventUpcaster("a", 1, Set.of(), first)
            .eventUpcaster("a", 1, Set.of(), second))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("eventUpcaster(\"a\", 1, [], " + first + ") was already set; eventUpcaster(\"a\", 1, [], "
            + second + ") would replace it");
    assertThatThrownBy(() -> CodecRegistry.builder().eventUpcaster("a", 1, "a", 2, m -> m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returns its own name 'a'");
    assertThatThrownBy(() -> CodecRegistry.builder().eventUpcaster("a", 0, "b", 1, m -> m))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CodecRegistry.builder().eventUpcaster("a", 1, "ghost", 1, m -> m).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'ghost', which is neither registered nor read by an event upcaster");
    assertThatThrownBy(() -> CodecRegistry.builder()
            .register("a", Other.class).register("b", Other.class)
            .eventUpcaster("a", 2, "b", 1, m -> m).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reads revision 2 of 'a', which is registered at revision 1");
  }

  @Test
  void anUpcasterThatFailsOrBreaksItsPromiseIsNamed() {
    EventUpcaster throwing = new EventUpcaster() {
      @Override
      public List<EventPayload> upcast(EventPayload stored) {
        throw new IllegalStateException("boom");
      }

      @Override
      public String toString() {
        return "Throwing";
      }
    };
    CodecRegistry r = CodecRegistry.builder()
        .register("b", Other.class)
        .eventUpcaster("a", 1, Set.of("b"), throwing)
        .eventUpcaster("x", 1, Set.of("b"), stored -> List.of(new EventPayload("c", 1, Map.of())))
        .eventUpcaster("s", 1, Set.of("b"), stored -> List.of(
            new EventPayload("b", 1, tree("x", "1")), new EventPayload("b", 1, tree("x", "2"))))
        .build();
    assertThatThrownBy(() -> r.upcastEvent(new EventPayload("a", 1, tree("x", "1")), false))
        .isInstanceOfSatisfying(UpcasterException.class, e -> assertThat(e.upcaster()).contains("Throwing"))
        .hasMessageContaining("eventUpcaster(\"a\", 1, [b], Throwing) threw on 'a' revision 1")
        .hasMessageContaining("boom");
    assertThatThrownBy(() -> r.upcastEvent(new EventPayload("x", 1, tree("x", "1")), false))
        .isInstanceOf(UpcasterException.class)
        .hasMessageContaining("named 'c'");
    assertThat(r.upcastEvent(new EventPayload("s", 1, tree("x", "1")), false)).hasSize(2);
    assertThatThrownBy(() -> r.upcastEvent(new EventPayload("s", 1, tree("x", "1")), true))
        .isInstanceOf(UpcasterException.class)
        .hasMessageContaining("returned 2 events")
        .hasMessageContaining("exactly one");
  }
}
