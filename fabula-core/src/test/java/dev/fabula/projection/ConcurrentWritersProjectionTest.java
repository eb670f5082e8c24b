package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.memory.InMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** 100,000 events from 8 concurrent writers while a debounced continuous projection runs. */
class ConcurrentWritersProjectionTest {
  private static final int WRITERS = 8;
  private static final int EVENTS_PER_WRITER = 12_500;
  private static final int AGGREGATES_PER_WRITER = 50;

  @Test
  void theLiveReadModelEqualsOneRebuiltFromScratchEventForEvent() throws Exception {
    try (EventStore raw = InMemory.eventStore();
        EventBus bus = InMemory.eventBus()) {
      EventStore store = EventStores.publishing(raw, bus);
      var jobs = new AtomicInteger();
      var options =
          ScheduleOptions.builder()
              .debounce(Duration.ofMillis(2))
              .debounceCap(Duration.ofMillis(20))
              .listener(
                  new ScheduleListener() {
                    @Override
                    public void jobStarted(ScheduleStatus status) {
                      jobs.incrementAndGet();
                    }
                  })
              .build();
      var live = new CountingProjection("live");
      try (Schedule schedule = Schedule.continuously(bus, raw, Set.of("counted"), options)) {
        schedule.project(live);
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          writers.add(Thread.ofVirtual().start(ConcurrentWritersProjectionTest.writer(store)));
        }
        for (Thread t : writers) {
          t.join();
        }
        long head = raw.lastPosition();
        assertThat(head).isEqualTo((long) WRITERS * EVENTS_PER_WRITER);
        Await.until("the live projection reached the head", () -> live.progress() == head);
      }
      List<Event<?>> all;
      try (Stream<Event<?>> s = raw.query(EventQuery.all())) {
        all = s.toList();
      }
      CountingProjection rebuilt = CountingProjection.replay("rebuilt", all);
      assertThat(live.duplicates).isZero();
      assertThat(live.applied).hasSize(WRITERS * EVENTS_PER_WRITER);
      assertThat(live.applied).isEqualTo(rebuilt.applied);
      assertThat(live.countByAggregate).isEqualTo(rebuilt.countByAggregate);
      assertThat(live.sumByAggregate).isEqualTo(rebuilt.sumByAggregate);
      assertThat(jobs.get()).as("the projection ran incrementally, in several jobs").isGreaterThan(1);
    }
  }

  private static Runnable writer(EventStore store) {
    return () -> {
      UUID[] aggregates = new UUID[AGGREGATES_PER_WRITER];
      int[] versions = new int[AGGREGATES_PER_WRITER];
      for (int a = 0; a < aggregates.length; a++) {
        aggregates[a] = UUID.randomUUID();
      }
      for (int i = 0; i < EVENTS_PER_WRITER; i++) {
        int a = i % AGGREGATES_PER_WRITER;
        store.insert(
            List.of(Event.create("counted", (long) i).withAggregate("thing", aggregates[a], ++versions[a])));
      }
    };
  }
}
