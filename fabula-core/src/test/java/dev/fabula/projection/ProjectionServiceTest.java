package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Subscription;
import dev.fabula.memory.InMemory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
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

  @Test
  void aScheduleThatCannotBeTriggeredIsReportedToTheCallerAndTheServiceKeepsServing() {
    Schedule broken =
        new Schedule() {
          @Override
          public Subscription subscribe(JobHandler handler) {
            throw new UnsupportedOperationException();
          }

          @Override
          public CompletableFuture<Void> trigger(TriggerOptions options) {
            throw new AssertionError("schedule bug");
          }

          @Override
          public void awaitCaughtUp(Duration timeout) {}

          @Override
          public ScheduleStatus status() {
            return new ScheduleStatus(0, 0, 0, false);
          }

          @Override
          public List<DeadLetter> deadLetters() {
            return List.of();
          }

          @Override
          public void retry(DeadLetter letter, Duration wait) {
            throw new UnknownDeadLetterException(letter.projection(), letter.eventId());
          }

          @Override
          public boolean evict(DeadLetter letter) {
            return false;
          }

          @Override
          public void close() {}
        };
    runner.register("broken", broken);
    ProjectionService patient = ProjectionService.create(bus, Duration.ofSeconds(30));
    try {
      // Without an answer the caller would wait the whole 30 s and hear "no process runs it".
      assertThatThrownBy(() -> patient.trigger("broken"))
          .isInstanceOf(FabulaException.class)
          .isNotInstanceOf(UnknownScheduleException.class)
          .hasMessageContaining("'broken' could not be triggered")
          .hasMessageContaining("schedule bug");
    } finally {
      patient.close();
    }
    var p = new CountingProjection("p");
    schedule.project(p);
    runner.register("catalog", schedule);
    insert(2);
    caller.trigger("catalog");
    Await.until("the other schedule still runs", () -> p.progress() == 2);
  }

  @Test
  void aProjectionFailureOfARemotelyTriggeredJobIsLoggedOnce() throws Exception {
    var marker = new IllegalStateException("broken once");
    var records = new CopyOnWriteArrayList<LogRecord>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
              if (t == marker) {
                records.add(record);
              }
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger fabula = Logger.getLogger("dev.fabula");
    fabula.addHandler(handler);
    try {
      var failed = new AtomicBoolean();
      var p = new CountingProjection("p");
      p.failOn = e -> !failed.getAndSet(true) && thrown(marker);
      schedule.project(p);
      runner.register("catalog", schedule);
      insert(2);
      caller.trigger("catalog");
      schedule.trigger().get(30, TimeUnit.SECONDS); // runs after the remote job and its reports
      assertThat(p.progress()).isEqualTo(2);
      assertThat(records).hasSize(1);
      assertThat(records.get(0).getMessage()).contains("projection p failed");
    } finally {
      fabula.removeHandler(handler);
    }
  }

  private static boolean thrown(RuntimeException e) {
    throw e;
  }
}
