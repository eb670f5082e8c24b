package dev.fabula.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.Projections;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.repository.Repository;
import dev.fabula.snapshot.SnapshotSchedule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The meters and spans of commands' whole path, in one process: dispatch, handler, load (with
 * snapshots), append, publish, the bus's deliveries and a projection's apply.
 */
class CommandPathTest {
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final Tracing tracing = new Tracing();
  private final MicrometerMetrics metrics = MicrometerMetrics.of(registry);
  private final Telemetry telemetry = Telemetry.of(metrics, OpenTelemetryTracing.of(tracing.sdk));
  private final EventBus bus = telemetry.eventBus(InMemory.eventBus());
  private final EventStore store = telemetry.eventStore(EventStores.publishing(InMemory.eventStore(), bus));
  private final CommandBus commands = telemetry.commandBus(CommandBuses.inProcess());
  private final Repository<Tally> tallies =
      Repository.builder(store, Tally::new)
          .snapshots(telemetry.snapshotStore(InMemory.snapshotStore()), SnapshotSchedule.every(2))
          .build();
  private final Schedule schedule =
      Schedule.continuously(
          bus, store, Set.of(Tally.ADDED), ScheduleOptions.builder().interceptor(telemetry.interceptor()).build());

  @AfterEach
  void close() {
    schedule.close();
    commands.close();
    store.close();
    bus.close();
    tracing.close();
  }

  @Test
  void threeCommandsRecordTheirMetersAndOneTraceEach() throws Exception {
    AtomicInteger projected = new AtomicInteger();
    schedule.project(Projections.named("totals", e -> projected.addAndGet(((Tally.Added) e.data()).amount())));
    List<Event<?>> received = new CopyOnWriteArrayList<>();
    bus.subscribe(Set.of(Tally.ADDED), received::add);
    Tally.COMMANDS.subscribe(commands, tallies);
    AutoCloseable monitor = metrics.monitor("totals", schedule);

    UUID id = UUID.randomUUID();
    List<Command<?>> sent = List.of(add(id, 1), add(id, 2), add(id, 3));
    for (Command<?> c : sent) {
      commands.dispatch(c, DispatchOptions.sync());
    }
    schedule.awaitCaughtUp(Duration.ofSeconds(30));
    assertThat(projected).hasValue(6);
    assertThat(tallies.fetch(id).total()).isEqualTo(6);

    // Meters: names, tags and counts. The fetch above is a fourth load (a snapshot hit at v2).
    assertThat(timerCount("fabula.command.dispatch", "command", Tally.ADD, "outcome", "success")).isEqualTo(3);
    assertThat(timerCount("fabula.command.handle", "command", Tally.ADD, "outcome", "success")).isEqualTo(3);
    assertThat(timerCount("fabula.store.append", "aggregate", Tally.NAME, "outcome", "success")).isEqualTo(3);
    assertThat(registry.get("fabula.store.append.events").tags("aggregate", Tally.NAME).summary().totalAmount())
        .isEqualTo(3);
    assertThat(timerCount("fabula.store.load", "aggregate", Tally.NAME, "outcome", "success")).isEqualTo(4);
    // Replayed: 0 (new), 1 (v1, no snapshot yet), 0 (snapshot at v2), 1 (v3 after the snapshot).
    assertThat(registry.get("fabula.store.load.events").tags("aggregate", Tally.NAME).summary().totalAmount())
        .isEqualTo(2);
    assertThat(registry.get("fabula.snapshot.load").tags("aggregate", Tally.NAME, "result", "miss").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("fabula.snapshot.load").tags("aggregate", Tally.NAME, "result", "hit").counter().count())
        .isEqualTo(2);
    assertThat(timerCount("fabula.bus.publish", "outcome", "success")).isEqualTo(3);
    assertThat(timerCount("fabula.projection.apply", "projection", "totals", "event", Tally.ADDED, "outcome", "success"))
        .isEqualTo(3);
    assertThat(registry.get("fabula.projection.lag").tags("projection", "totals").timer().count()).isEqualTo(3);
    // Two subscribers of the instrumented bus: the test's and the schedule's trigger.
    awaitTimerCount("fabula.bus.deliver", 6, "event", Tally.ADDED, "outcome", "success");
    assertThat(registry.find("fabula.bus.redeliver").meters()).isEmpty();
    assertThat(registry.get("fabula.schedule.lag").tags("schedule", "totals").gauge().value()).isZero();
    assertThat(registry.get("fabula.schedule.head").tags("schedule", "totals").gauge().value())
        .isEqualTo(store.lastPosition());
    assertNoIdInAnyTag(id, sent);
    monitor.close();
    assertThat(registry.find("fabula.schedule.lag").meters()).isEmpty();

    // Spans: one trace per command, each span a child of the step before it.
    List<SpanData> spans = tracing.await(s -> s.size() >= 3 * 8 + 1);
    Map<String, List<SpanData>> byTrace = spans.stream().collect(Collectors.groupingBy(SpanData::getTraceId));
    assertThat(byTrace).hasSize(3 + 1); // and the fetch's load, a trace of its own
    for (Command<?> c : sent) {
      SpanData dispatch = one(spans, "fabula.command.dispatch", c.id().toString());
      List<SpanData> trace = byTrace.get(dispatch.getTraceId());
      assertThat(trace).extracting(SpanData::getName)
          .containsExactlyInAnyOrder(
              "fabula.command.dispatch", "fabula.command.handle", "fabula.store.load",
              "fabula.store.append", "fabula.bus.publish", "fabula.bus.deliver", "fabula.bus.deliver",
              "fabula.projection.apply");
      assertThat(dispatch.getKind()).isEqualTo(SpanKind.PRODUCER);
      assertThat(dispatch.getParentSpanContext().isValid()).isFalse();
      SpanData handle = named(trace, "fabula.command.handle").getFirst();
      assertThat(handle.getParentSpanId()).isEqualTo(dispatch.getSpanId());
      SpanData load = named(trace, "fabula.store.load").getFirst();
      SpanData append = named(trace, "fabula.store.append").getFirst();
      assertThat(load.getParentSpanId()).isEqualTo(handle.getSpanId());
      assertThat(append.getParentSpanId()).isEqualTo(handle.getSpanId());
      SpanData publish = named(trace, "fabula.bus.publish").getFirst();
      assertThat(publish.getParentSpanId()).isEqualTo(append.getSpanId());
      assertThat(named(trace, "fabula.bus.deliver")).allSatisfy(d -> assertThat(d.getParentSpanId()).isEqualTo(publish.getSpanId()));
      SpanData apply = named(trace, "fabula.projection.apply").getFirst();
      assertThat(apply.getParentSpanId()).isEqualTo(append.getSpanId());
      assertThat(apply.getAttributes().asMap()).extractingFromEntries(e -> e.getKey().getKey() + "=" + e.getValue())
          .contains("fabula.projection.name=totals", "fabula.event.name=" + Tally.ADDED, "fabula.outcome=success");
    }
    // The stored events carry their append's context; the delivered ones their publish's.
    try (var stored = store.query(dev.fabula.event.EventQuery.all())) {
      assertThat(stored.toList()).allSatisfy(e -> assertThat(e.metadata().get("traceparent")).isPresent());
    }
    assertThat(received).hasSize(3);
  }

  private static Command<Tally.Add> add(UUID id, int amount) {
    return Command.create(Tally.ADD, new Tally.Add(amount)).forAggregate(Tally.NAME, id);
  }

  private long timerCount(String name, String... tags) {
    return registry.get(name).tags(tags).timer().count();
  }

  private void awaitTimerCount(String name, long expected, String... tags) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (registry.find(name).tags(tags).timers().stream().mapToLong(t -> t.count()).sum() < expected
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(timerCount(name, tags)).isEqualTo(expected);
  }

  /** No tag value of any meter is the aggregate's id or a command's or event's id. */
  private void assertNoIdInAnyTag(UUID aggregate, List<Command<?>> sent) {
    Set<String> ids = sent.stream().map(c -> c.id().toString()).collect(Collectors.toSet());
    ids.add(aggregate.toString());
    try (var events = store.query(dev.fabula.event.EventQuery.all())) {
      events.forEach(e -> ids.add(e.id().toString()));
    }
    Set<String> values =
        registry.getMeters().stream()
            .flatMap(m -> Tags.of(m.getId().getTags()).stream())
            .map(t -> t.getValue())
            .collect(Collectors.toSet());
    assertThat(values).doesNotContainAnyElementsOf(ids).contains(Tally.ADD, Tally.NAME, "totals", "success");
  }

  private static SpanData one(List<SpanData> spans, String name, String commandId) {
    List<SpanData> found =
        spans.stream()
            .filter(s -> s.getName().equals(name))
            .filter(s -> commandId.equals(s.getAttributes().asMap().entrySet().stream()
                .filter(e -> e.getKey().getKey().equals("fabula.command.id"))
                .map(e -> String.valueOf(e.getValue()))
                .findFirst().orElse(null)))
            .toList();
    assertThat(found).as(name + " of " + commandId).hasSize(1);
    return found.getFirst();
  }

  private static List<SpanData> named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).toList();
  }

}
