package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProjectionServiceTest {
  private final EventStore store = InMemory.eventStore();
  private final EventBus bus = InMemory.eventBus();
  // Two services on one bus stand for two processes.
  private final ProjectionService caller = ProjectionService.create(bus, Duration.ofMillis(300));
  private final ProjectionService runner = ProjectionService.create(bus, Duration.ofMillis(300));
  private final Schedule schedule =
      Schedule.periodically(store, Duration.ofHours(1), Set.of(EventBus.ALL), ScheduleOptions.defaults());

  @AfterEach
  void close() {
    schedule.close();
    caller.close();
    runner.close();
    bus.close();
    store.close();
  }

  private void insert(int n) {
    for (int i = 0; i < n; i++) {
      store.insert(List.of(Event.create("counted", (long) i).withAggregate("thing", UUID.randomUUID(), 1)));
    }
  }

  @Test
  void triggersANamedScheduleInTheProcessThatRunsIt() {
    var p = new CountingProjection("p");
    schedule.project(p);
    runner.register("catalog", schedule);
    insert(4);
    caller.trigger("catalog");
    Await.until("the remote schedule applied 4 events", () -> p.progress() == 4);
  }

  @Test
  void aResetTriggerRebuildsRemotely() {
    var p = new CountingProjection("p");
    schedule.project(p);
    runner.register("catalog", schedule);
    insert(3);
    caller.trigger("catalog");
    Await.until("3 applied", () -> p.progress() == 3);
    p.sumByAggregate.clear(); // corrupt the read model; a rebuild must repair it
    caller.trigger("catalog", TriggerOptions.rebuild());
    Await.until("rebuilt", () -> p.sumByAggregate.size() == 3);
    assertThat(p.applied).hasSize(3);
  }

  @Test
  void anUnknownScheduleNameIsASpecificError() {
    runner.register("catalog", schedule);
    assertThatThrownBy(() -> caller.trigger("catalgo"))
        .isInstanceOfSatisfying(
            UnknownScheduleException.class, e -> assertThat(e.schedule()).isEqualTo("catalgo"));
  }

  @Test
  void anUnregisteredScheduleIsUnknown() throws Exception {
    AutoCloseable registration = runner.register("catalog", schedule);
    registration.close();
    assertThatThrownBy(() -> caller.trigger("catalog")).isInstanceOf(UnknownScheduleException.class);
  }

  @Test
  void rejectsDuplicateNamesLocalOnlyOptionsAndUseAfterClose() {
    runner.register("catalog", schedule);
    assertThatThrownBy(() -> runner.register("catalog", schedule)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> runner.register(" ", schedule)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> caller.trigger("catalog", TriggerOptions.defaults().withFilters(EventQuery.all())))
        .isInstanceOf(IllegalArgumentException.class);
    caller.close();
    assertThatThrownBy(() -> caller.trigger("catalog")).isInstanceOf(ClosedException.class);
  }
}
