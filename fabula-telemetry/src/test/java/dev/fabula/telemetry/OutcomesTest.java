package dev.fabula.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.command.CommandRejectedException;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.NoHandlerException;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.event.InsertNotifying;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.ProjectionException;
import dev.fabula.projection.Projections;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.TriggerOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Failures pass through the decorators unchanged, and are counted and traced by their outcome. */
class OutcomesTest {
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final Tracing tracing = new Tracing();
  private final Telemetry telemetry =
      Telemetry.of(MicrometerMetrics.of(registry), OpenTelemetryTracing.of(tracing.sdk));

  @AfterEach
  void close() {
    tracing.close();
  }

  @Test
  void aVersionConflictIsCountedAsOneAndItsSpanFails() throws Exception {
    EventStore store = telemetry.eventStore(InMemory.eventStore());
    UUID id = UUID.randomUUID();
    store.insert(List.of(added(id, 1)));
    assertThatThrownBy(() -> store.insert(List.of(added(id, 1)))).isInstanceOf(ConcurrencyException.class);

    assertThat(registry.get("fabula.store.append").tags("aggregate", Tally.NAME, "outcome", "success").timer().count()).isEqualTo(1);
    assertThat(registry.get("fabula.store.append").tags("aggregate", Tally.NAME, "outcome", "conflict").timer().count()).isEqualTo(1);
    assertThat(registry.get("fabula.store.append.events").tags("aggregate", Tally.NAME).summary().count()).isEqualTo(2);
    SpanData failed = tracing.await(s -> s.size() == 2).get(1);
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(failed.getEvents()).extracting(e -> e.getName()).containsExactly("exception");
  }

  @Test
  void aRejectedCommandIsRejectedByItsHandlerAndFailedForItsDispatcher() {
    CommandBus bus = telemetry.commandBus(CommandBuses.inProcess());
    bus.handle(Tally.ADD, Tally.Add.class, c -> {
      throw new CommandRejectedException("tally.negative", "no negative amounts");
    });
    assertThatThrownBy(() -> bus.dispatch(Command.create(Tally.ADD, new Tally.Add(-1)), DispatchOptions.sync()))
        .isInstanceOf(CommandExecutionException.class);
    assertThatThrownBy(() -> bus.dispatch(Command.create("tally.unknown", new Tally.Add(1)), DispatchOptions.sync()))
        .isInstanceOf(NoHandlerException.class);
    bus.close();

    assertThat(registry.get("fabula.command.handle").tags("command", Tally.ADD, "outcome", "rejected").timer().count()).isEqualTo(1);
    assertThat(registry.get("fabula.command.dispatch").tags("command", Tally.ADD, "outcome", "failed").timer().count()).isEqualTo(1);
    assertThat(registry.get("fabula.command.dispatch").tags("command", "tally.unknown", "outcome", "no_handler").timer().count()).isEqualTo(1);
  }

  @Test
  void aProjectionsFailureReachesTheScheduleAndIsCounted() throws Exception {
    EventStore store = telemetry.eventStore(InMemory.eventStore());
    var failures = new java.util.concurrent.LinkedBlockingQueue<ProjectionException>();
    try (Schedule schedule =
        Schedule.periodically(
            store,
            Duration.ofHours(1),
            Set.of(Tally.ADDED),
            ScheduleOptions.builder()
                .interceptor(telemetry.interceptor())
                .retryPolicy(dev.fabula.RetryPolicy.none())
                .listener(new ScheduleListener() {
                  @Override
                  public void failed(ProjectionException failure) {
                    failures.add(failure);
                  }
                })
                .build())) {
      schedule.project(Projections.named("broken", e -> {
        throw new IllegalStateException("broken on purpose");
      }));
      store.insert(List.of(added(UUID.randomUUID(), 1)));
      assertThatThrownBy(() -> schedule.trigger(TriggerOptions.defaults()).get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ProjectionException.class);
    }
    assertThat(failures.poll(30, TimeUnit.SECONDS)).isNotNull().satisfies(f ->
        assertThat(f).hasRootCauseMessage("broken on purpose"));
    assertThat(registry.get("fabula.projection.apply").tags("projection", "broken", "event", Tally.ADDED, "outcome", "error").timer().count())
        .isEqualTo(1);
  }

  @Test
  void withoutTracingNothingIsAddedToMetadataAndCapabilitiesAreKept() {
    Telemetry metricsOnly = Telemetry.of(MicrometerMetrics.of(registry));
    EventStore raw = InMemory.eventStore();
    EventStore store = metricsOnly.eventStore(raw);
    assertThat(store).isInstanceOf(InsertNotifying.class);
    EventBus bus = InMemory.eventBus();
    assertThat(metricsOnly.eventStore(EventStores.publishing(raw, bus))).isNotInstanceOf(InsertNotifying.class);
    Event<?> event = added(UUID.randomUUID(), 1);
    assertThat(store.insert(List.of(event)).getFirst().metadata()).isEqualTo(event.metadata());

    CommandBus commands = metricsOnly.commandBus(CommandBuses.inProcess());
    var seen = new java.util.concurrent.atomic.AtomicReference<Command<?>>();
    commands.handle(Tally.ADD, Tally.Add.class, seen::set);
    Command<Tally.Add> sent = Command.create(Tally.ADD, new Tally.Add(1));
    commands.dispatch(sent, DispatchOptions.sync());
    assertThat(seen.get()).isEqualTo(sent);
    commands.close();
  }

  @Test
  void refusesNoInstrumentation() {
    assertThatThrownBy(Telemetry::of).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    try (Schedule schedule = Schedule.periodically(InMemory.eventStore(), Duration.ofHours(1), Set.of("*"), ScheduleOptions.defaults())) {
      assertThatThrownBy(() -> MicrometerMetrics.of(registry).monitor(" ", schedule))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
    }
  }

  private static Event<Tally.Added> added(UUID id, int version) {
    return Event.create(Tally.ADDED, new Tally.Added(version)).withAggregate(Tally.NAME, id, version);
  }

  @Test
  void missingArgumentsAreRefusedNamingThem() {
    Telemetry telemetry = Telemetry.of(MicrometerMetrics.of(new SimpleMeterRegistry()));
    assertThatThrownBy(() -> Telemetry.of((Instrumentation[]) null)).isInstanceOf(NullPointerException.class).hasMessage("instrumentations");
    assertThatThrownBy(() -> telemetry.eventStore(null)).isInstanceOf(NullPointerException.class).hasMessage("store");
    assertThatThrownBy(() -> telemetry.commandBus(null)).isInstanceOf(NullPointerException.class).hasMessage("bus");
  }
}
