package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.projection.Projection;
import dev.fabula.projection.ProjectionService;
import dev.fabula.projection.Resettable;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.TriggerOptions;
import dev.fabula.projection.UnknownScheduleException;
import dev.fabula.tck.TckData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The distributed features of projections over the PostgreSQL bus, with two buses on one table
 * standing for two processes: a continuous schedule woken by events another process stored, and
 * triggers through the projection service from the other process.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PgProjectionServiceTest {
  private static final TestDatabase DB = TestDatabase.create();
  private static final Codec CODEC = JacksonCodec.create(
      ProjectionService.registerProtocol(TckData.registerAll(CodecRegistry.builder())).build());
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final PostgresOptions tables = DB.freshTables();
  private final EventStore store = Postgres.eventStore(DB.dataSource(), CODEC, tables);
  /** The bus of the process that writes and triggers. */
  private final EventBus writerBus = Postgres.eventBus(DB.dataSource(), CODEC, tables);
  /** The bus of the process that keeps the read model. */
  private final EventBus readerBus = Postgres.eventBus(DB.dataSource(), CODEC, tables);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    writerBus.close();
    readerBus.close();
    store.close();
  }

  /** Records the ids it applied, in order, and how often it was reset. */
  private static final class Recorder implements Projection, Resettable {
    final List<UUID> applied = new CopyOnWriteArrayList<>();
    final AtomicInteger resets = new AtomicInteger();

    @Override
    public void reset() {
      applied.clear();
      resets.incrementAndGet();
    }

    @Override
    public void apply(Event<?> event) {
      applied.add(event.id());
    }
  }

  private List<UUID> insert(EventStore into, int n) {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Event<?> e = TckData.alpha("event " + i);
      into.insert(List.of(e));
      ids.add(e.id());
    }
    return ids;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void aContinuousScheduleIsWokenByEventsAnotherProcessStored() throws Exception {
    var readModel = new Recorder();
    Schedule schedule = Schedule.continuously(readerBus, store, Set.of(TckData.ALPHA));
    open.add(schedule);
    open.add(schedule.project(readModel));
    // The writer's store is another object on the same tables, as in another process: only the
    // bus can wake the reader's schedule (a store wakes schedules that read through it itself).
    EventStore writerStore = Postgres.eventStore(DB.dataSource(), CODEC, tables);
    open.add(writerStore);
    EventStore publishing = EventStores.publishing(writerStore, writerBus);

    List<UUID> ids = insert(publishing, 25);

    await("the schedule applied the 25 events", () -> readModel.applied.size() >= ids.size());
    assertThat(readModel.applied).containsExactlyElementsOf(ids);
  }

  @Test
  void aTriggerFromAnotherProcessRunsTheScheduleRegisteredThere() throws Exception {
    List<UUID> ids = insert(store, 10);
    var readModel = new Recorder();
    Schedule schedule = Schedule.periodically(store, Duration.ofHours(1), Set.of(TckData.ALPHA),
        ScheduleOptions.defaults());
    open.add(schedule);
    open.add(schedule.project(readModel));
    ProjectionService runner = ProjectionService.create(readerBus, WAIT);
    open.add(runner);
    open.add(runner.register("catalog", schedule));
    ProjectionService caller = ProjectionService.create(writerBus, WAIT);
    open.add(caller);

    caller.trigger("catalog");
    await("the triggered job applied the 10 events", () -> readModel.applied.size() >= ids.size());
    assertThat(readModel.applied).containsExactlyElementsOf(ids);

    caller.trigger("catalog", TriggerOptions.rebuild());
    await("the rebuild reset the read model and applied the 10 events again",
        () -> readModel.resets.get() == 1 && readModel.applied.size() >= ids.size());
    assertThat(readModel.applied).containsExactlyElementsOf(ids);
  }

  @Test
  void aTriggerNoProcessAcceptsIsAnUnknownSchedule() {
    ProjectionService caller = ProjectionService.create(writerBus, Duration.ofMillis(500));
    open.add(caller);
    assertThatThrownBy(() -> caller.trigger("nobody-runs-this"))
        .isInstanceOf(UnknownScheduleException.class)
        .hasMessageContaining("nobody-runs-this");
  }
}
