package dev.fabula.telemetry;

import dev.fabula.event.Event;
import dev.fabula.projection.Schedule;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Records Fabula's operations as Micrometer meters in one {@link MeterRegistry}: the names and tags
 * listed in the package documentation, never an id in a tag. Use it through {@link Telemetry#of}.
 *
 * <p>Thread-safe. Needs {@code io.micrometer:micrometer-core} at run time (an optional dependency
 * of this module).
 */
public final class MicrometerMetrics implements Instrumentation {
  static final String DISPATCH = "fabula.command.dispatch";
  static final String HANDLE = "fabula.command.handle";
  static final String APPEND = "fabula.store.append";
  static final String APPEND_EVENTS = "fabula.store.append.events";
  static final String LOAD = "fabula.store.load";
  static final String LOAD_EVENTS = "fabula.store.load.events";
  static final String SNAPSHOT_LOAD = "fabula.snapshot.load";
  static final String PUBLISH = "fabula.bus.publish";
  static final String PUBLISH_EVENTS = "fabula.bus.publish.events";
  static final String DELIVER = "fabula.bus.deliver";
  static final String REDELIVER = "fabula.bus.redeliver";
  static final String APPLY = "fabula.projection.apply";
  static final String LAG = "fabula.projection.lag";
  static final String SCHEDULE_POSITION = "fabula.schedule.position";
  static final String SCHEDULE_HEAD = "fabula.schedule.head";
  static final String SCHEDULE_LAG = "fabula.schedule.lag";

  private final MeterRegistry registry;
  private final Clock clock;

  private MicrometerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.clock = registry.config().clock();
  }

  /** Metrics recorded in {@code registry}. */
  public static MicrometerMetrics of(MeterRegistry registry) {
    return new MicrometerMetrics(Objects.requireNonNull(registry, "registry"));
  }

  /**
   * Registers gauges of {@code schedule}'s {@linkplain Schedule#status() status}, tagged {@code
   * schedule=name}: {@code fabula.schedule.position} (its slowest projection's position), {@code
   * fabula.schedule.head} (the store's last position) and {@code fabula.schedule.lag} (positions
   * behind). Each reading of a gauge takes the status, which asks the store for its last position:
   * a registry reads them when it publishes, not per event. Closing the returned handle removes
   * the gauges.
   *
   * @throws IllegalArgumentException when {@code name} is blank
   */
  public AutoCloseable monitor(String name, Schedule schedule) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schedule, "schedule");
    if (name.isBlank()) {
      throw new IllegalArgumentException("schedule name must not be blank");
    }
    List<Meter> gauges =
        List.of(
            gauge(SCHEDULE_POSITION, name, schedule, s -> s.status().position()),
            gauge(SCHEDULE_HEAD, name, schedule, s -> s.status().head()),
            gauge(SCHEDULE_LAG, name, schedule, s -> s.status().lag()));
    return () -> gauges.forEach(registry::remove);
  }

  private Meter gauge(String meter, String name, Schedule schedule, ToDoubleFunction<Schedule> f) {
    return Gauge.builder(meter, schedule, f).tag("schedule", name).strongReference(false).register(registry);
  }

  @Override
  public Observation start(Operation operation) {
    Objects.requireNonNull(operation, "operation");
    return new Measured(operation, clock.monotonicTime());
  }

  /** One operation, timed from its start; records its meters when it ends. */
  private final class Measured implements Observation {
    private final Operation operation;
    private final long start;
    private long items;

    Measured(Operation operation, long start) {
      this.operation = operation;
      this.start = start;
    }

    @Override
    public void count(long n) {
      items = n;
    }

    @Override
    public void end(@Nullable Throwable failure) {
      long nanos = clock.monotonicTime() - start;
      String outcome = Tags.outcome(failure);
      switch (operation) {
        case Operation.Dispatch d -> timer(DISPATCH, nanos, "command", d.command().name(), "outcome", outcome);
        case Operation.Handle h -> timer(HANDLE, nanos, "command", h.command().name(), "outcome", outcome);
        case Operation.Append a -> {
          String aggregate = a.aggregateName();
          timer(APPEND, nanos, "aggregate", aggregate, "outcome", outcome);
          summary(APPEND_EVENTS, a.events().size(), "aggregate", aggregate);
        }
        case Operation.Load l -> {
          timer(LOAD, nanos, "aggregate", l.aggregateName(), "outcome", outcome);
          summary(LOAD_EVENTS, items, "aggregate", l.aggregateName());
        }
        case Operation.SnapshotLoad s ->
            Counter.builder(SNAPSHOT_LOAD)
                .tags("aggregate", s.aggregateName(), "result", failure != null ? "error" : items > 0 ? "hit" : "miss")
                .register(registry)
                .increment();
        case Operation.Publish p -> {
          timer(PUBLISH, nanos, "outcome", outcome);
          summary(PUBLISH_EVENTS, p.events().size());
        }
        case Operation.Deliver d -> {
          timer(DELIVER, nanos, "event", d.event().name(), "outcome", outcome);
          if (d.redelivery()) {
            Counter.builder(REDELIVER).tags("event", d.event().name()).register(registry).increment();
          }
        }
        case Operation.Apply a -> {
          Event<?> e = a.event();
          timer(APPLY, nanos, "projection", a.projectionName(), "event", e.name(), "outcome", outcome);
          long age = clock.wallTime() - e.time().toEpochMilli();
          Timer.builder(LAG)
              .tags("projection", a.projectionName())
              .register(registry)
              .record(Duration.ofMillis(Math.max(0, age)));
        }
      }
    }
  }

  private void timer(String name, long nanos, String... tags) {
    Timer.builder(name).tags(tags).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  private void summary(String name, long amount, String... tags) {
    DistributionSummary.builder(name).tags(tags).register(registry).record(amount);
  }

  @Override
  public String toString() {
    return "MicrometerMetrics[" + registry + "]";
  }
}
