package dev.fabula.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.memory.InMemory;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PublishingEventStoreTest {
  @Test
  void publishesWhatItStoredWithPositions() throws Exception {
    try (EventBus bus = InMemory.eventBus();
        EventStore store = EventStores.publishing(InMemory.eventStore(), bus)) {
      var got = new LinkedBlockingQueue<Event<?>>();
      bus.subscribe(Set.of(EventBus.ALL), got::add);
      List<Event<?>> stored = store.insert(List.of(Event.create("a", "one"), Event.create("b", "two")));
      Event<?> first = got.poll(5, TimeUnit.SECONDS);
      Event<?> second = got.poll(5, TimeUnit.SECONDS);
      assertThat(List.of(first, second)).containsExactlyElementsOf(stored);
      assertThat(first.position()).isPositive();
    }
  }

  @Test
  void aFailedPublishSaysTheEventsAreStored() {
    EventBus bus = InMemory.eventBus();
    bus.close();
    try (EventStore inner = InMemory.eventStore()) {
      EventStore store = EventStores.publishing(inner, bus);
      Event<String> e = Event.create("a", "one");
      assertThatThrownBy(() -> store.insert(List.of(e)))
          .isInstanceOfSatisfying(
              EventPublishException.class,
              p -> assertThat(p.storedEvents()).extracting(Event::id).containsExactly(e.id()))
          .hasMessageContaining("stored but not published");
      assertThat(inner.find(e.id())).isPresent();
    }
  }
}
