package dev.fabula.tck.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.Schedule;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** A projection filtered on a name sees the events stored under the names that read as it (ADR 0021). */
class MemoryUpcastingProjectionTest {
  @Test
  void aProjectionOnANameSeesEventsStoredUnderItsOldNames() throws Exception {
    List<Object> seen = new CopyOnWriteArrayList<>();
    try (EventStore raw = InMemory.eventStore(JacksonCodec.create(TckData.registry()));
        EventBus bus = InMemory.eventBus();
        Schedule schedule = Schedule.continuously(bus, raw, Set.of(TckData.ALPHA))) {
      EventStore store = EventStores.publishing(raw, bus);
      store.insert(List.of(Event.create(TckData.ALPHA_V0, new TckData.AlphaV0("before"))));
      schedule.project(e -> seen.add(e.name() + ":" + ((Alpha) e.data()).text()));
      schedule.trigger().get(30, TimeUnit.SECONDS);
      // Live: an insert of an old-name event triggers the schedule through the store's notification.
      store.insert(List.of(
          Event.create(TckData.PAIR_V0, new TckData.PairV0("p1", "p2")),
          Event.create(TckData.OBSOLETE_V0, new TckData.NoteV0("gone")),
          TckData.alpha("now")));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (seen.size() < 4 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(5_000_000);
      }
      assertThat(seen).containsExactly("tck.alpha:before", "tck.alpha:p1", "tck.alpha:p2", "tck.alpha:now");
    }
  }
}
