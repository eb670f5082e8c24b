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
  // One provider per meter name: Micrometer's way to tag a meter per call (its tags vary).
  private final Meter.MeterProvider<Timer> dispatch;
  private final Meter.MeterProvider<Timer> handle;
  private final Meter.MeterProvider<Timer> append;
  private final Meter.MeterProvider<DistributionSummary> appendEvents;
  private final Meter.MeterProvider<Timer> load;
  private final Meter.MeterProvider<DistributionSummary> loadEvents;
  private final Meter.MeterProvider<Counter> snapshotLoad;
  private final Meter.MeterProvider<Timer> publish;
  private final Meter.MeterProvider<DistributionSummary> publishEvents;
  private final Meter.MeterProvider<Timer> deliver;
  private final Meter.MeterProvider<Counter> redeliver;
  private final Meter.MeterProvider<Timer> apply;
  private final Meter.MeterProvider<Timer> lag;

  private MicrometerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.clock = registry.config().clock();
    dispatch = timer(DISPATCH, "Dispatches of commands, until the dispatcher got its answer");
    handle = timer(HANDLE, "Runs of command handlers");
    append = timer(APPEND, "Inserts into the event store");
    appendEvents = summary(APPEND_EVENTS, "Events per insert");
    load = timer(LOAD, "Reads of one aggregate's events, until the stream closed");
    loadEvents = summary(LOAD_EVENTS, "Events replayed per load");
    snapshotLoad =
        Counter.builder(SNAPSHOT_LOAD).description("Snapshot lookups by result").withRegistry(registry);
    publish = timer(PUBLISH, "Publishes of event batches");
    publishEvents = summary(PUBLISH_EVENTS, "Events per publish");
    deliver = timer(DELIVER, "Events handled by bus subscribers");
    redeliver =
        Counter.builder(REDELIVER)
            .description("Events delivered again to a subscription whose handler failed on them")
            .withRegistry(registry);
    apply = timer(APPLY, "Events applied to projections");
    lag = timer(LAG, "Age of each event when a projection applied it");
  }

  private Meter.MeterProvider<Timer> timer(String name, String description) {
    return Timer.builder(name).description(description).withRegistry(registry);
  }

  private Meter.MeterProvider<DistributionSummary> summary(String name, String description) {
    return DistributionSummary.builder(name).description(description).withRegistry(registry);
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
        case Operation.Dispatch d -> time(dispatch, nanos, "command", d.command().name(), "outcome", outcome);
        case Operation.Handle h -> time(handle, nanos, "command", h.command().name(), "outcome", outcome);
        case Operation.Append a -> {
          String aggregate = a.aggregateName();
          time(append, nanos, "aggregate", aggregate, "outcome", outcome);
          appendEvents.withTags("aggregate", aggregate).record(a.events().size());
        }
        case Operation.Load l -> {
          time(load, nanos, "aggregate", l.aggregateName(), "outcome", outcome);
          loadEvents.withTags("aggregate", l.aggregateName()).record(items);
        }
        case Operation.SnapshotLoad s ->
            snapshotLoad
                .withTags("aggregate", s.aggregateName(), "result", failure != null ? "error" : items > 0 ? "hit" : "miss")
                .increment();
        case Operation.Publish p -> {
          time(publish, nanos, "outcome", outcome);
          publishEvents.withTags().record(p.events().size());
        }
        case Operation.Deliver d -> {
          time(deliver, nanos, "event", d.event().name(), "outcome", outcome);
          if (d.redelivery()) {
            redeliver.withTags("event", d.event().name()).increment();
          }
        }
        case Operation.Apply a -> {
          Event<?> e = a.event();
          time(apply, nanos, "projection", a.projectionName(), "event", e.name(), "outcome", outcome);
          long age = clock.wallTime() - e.time().toEpochMilli();
          lag.withTags("projection", a.projectionName()).record(Duration.ofMillis(Math.max(0, age)));
        }
      }
    }
  }

  private static void time(Meter.MeterProvider<Timer> timer, long nanos, String... tags) {
    timer.withTags(tags).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "MicrometerMetrics[" + registry + "]";
  }
}
