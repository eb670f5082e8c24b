package dev.fabula.testing;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.CatchUp;
import dev.fabula.projection.Projection;
import dev.fabula.projection.ProjectionException;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Given/when/then tests for read models: given these events, then the projection's state is this.
 *
 * <pre>{@code
 * UUID mouse = UUID.randomUUID();
 * ProjectionFixture.of(new ProductCatalog())
 *     .given("product", mouse, "product.created", new ProductCreated("Mouse", 2999))
 *     .given("product", mouse, "product.price-changed", new PriceChanged(2999, 2499))
 *     .thenState(catalog -> assertThat(catalog.entry(mouse).priceCents()).isEqualTo(2499));
 * }</pre>
 *
 * <p>The first {@code then} stores the given events in an in-memory event store (which gives them
 * positions, and versions where the test left them out) and applies them the way production does:
 * one job of a {@link Schedule} over every event name, so {@link dev.fabula.projection.Guarded
 * guards}, {@link dev.fabula.projection.ProgressAware progress} and the failure policy behave as
 * they will at run time. The projection receives every given event, in the order given.
 *
 * <p>Events are applied once: after the first {@code then}, {@code given} is refused. Use a new
 * fixture (and a new projection) for another history.
 *
 * @param <P> the projection type
 */
public final class ProjectionFixture<P extends Projection> {
  private static final Duration APPLY_TIMEOUT = Duration.ofSeconds(30);

  private final P projection;
  private final List<Event<?>> given = new ArrayList<>();
  private final Map<AggregateKey, Integer> versions = new HashMap<>();
  private @Nullable Applied applied;

  private record AggregateKey(String name, UUID id) {}

  /** What applying the events gave: the stored events, and the projection's failure if any. */
  private record Applied(List<Event<?>> events, @Nullable ProjectionException failure) {}

  private ProjectionFixture(P projection) {
    this.projection = Objects.requireNonNull(projection, "projection");
  }

  /** A fixture feeding {@code projection}, which should be fresh (its read model empty). */
  public static <P extends Projection> ProjectionFixture<P> of(P projection) {
    return new ProjectionFixture<>(projection);
  }

  /** An event of no aggregate. */
  public ProjectionFixture<P> given(String eventName, Object data) {
    return given(Event.create(Objects.requireNonNull(eventName, "eventName"), Objects.requireNonNull(data, "data")));
  }

  /** An event of the aggregate {@code aggregateName}/{@code aggregateId}, at its next version. */
  public ProjectionFixture<P> given(String aggregateName, UUID aggregateId, String eventName, Object data) {
    return given(aggregateName, aggregateId, eventName, data, Metadata.empty());
  }

  /** An event of the aggregate {@code aggregateName}/{@code aggregateId}, at its next version, with metadata. */
  public ProjectionFixture<P> given(
      String aggregateName, UUID aggregateId, String eventName, Object data, Metadata metadata) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    Objects.requireNonNull(metadata, "metadata");
    int next = versions.getOrDefault(new AggregateKey(aggregateName, aggregateId), 0) + 1;
    return given(Event.create(Objects.requireNonNull(eventName, "eventName"), Objects.requireNonNull(data, "data"))
        .withAggregate(aggregateName, aggregateId, next)
        .withMetadata(metadata));
  }

  /**
   * An event exactly as built (time, metadata, aggregate and version as given). Versions of one
   * aggregate must follow each other, as the store demands.
   *
   * @throws IllegalStateException when the events were applied already
   */
  public ProjectionFixture<P> given(Event<?> event) {
    Objects.requireNonNull(event, "event");
    if (applied != null) {
      throw new IllegalStateException(
          "the given events were applied at the first then...; start a new fixture for another history");
    }
    AggregateRef ref = event.aggregateOrNull();
    if (ref != null) {
      versions.put(new AggregateKey(ref.name(), ref.id()), ref.version());
    }
    given.add(event);
    return this;
  }

  /**
   * Applies the given events (at the first {@code then}) and runs {@code assertions} on the
   * projection.
   *
   * @throws AssertionError when the projection failed on an event
   */
  public ProjectionFixture<P> thenState(Consumer<? super P> assertions) {
    Objects.requireNonNull(assertions, "assertions");
    ProjectionException failure = apply().failure();
    if (failure != null) {
      throw new AssertionError(failure.getMessage(), failure);
    }
    assertions.accept(projection);
    return this;
  }

  /**
   * Applies the given events (at the first {@code then}) and asserts the projection failed on the
   * event named {@code eventName} by throwing {@code type} with a message containing {@code
   * messagePart}.
   */
  public ProjectionFixture<P> thenFailsOn(String eventName, Class<? extends Throwable> type, String messagePart) {
    Objects.requireNonNull(eventName, "eventName");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(messagePart, "messagePart");
    ProjectionException failure = apply().failure();
    if (failure == null) {
      throw new AssertionError("expected the projection to fail on " + eventName + " but it applied every event");
    }
    Throwable cause = failure.getCause();
    if (!failure.eventName().equals(eventName) || !type.isInstance(cause)
        || cause.getMessage() == null || !cause.getMessage().contains(messagePart)) {
      throw new AssertionError(
          "expected the projection to fail on " + eventName + " with " + type.getName() + " containing \""
              + messagePart + "\" but got: " + failure.getMessage(),
          failure);
    }
    return this;
  }

  /** The projection, for checks the fixture does not offer (events are not applied by this call). */
  public P projection() {
    return projection;
  }

  /** The given events as the projection received them: with positions and versions (applies them first). */
  public List<Event<?>> events() {
    return apply().events();
  }

  private Applied apply() {
    if (applied != null) {
      return applied;
    }
    var listener = new ScheduleListener() {
      @Override
      public void failed(ProjectionException failure) {
        // reported to the test through then...
      }

      @Override
      public void jobFailed(Throwable failure) {
        // reported to the test through then...
      }
    };
    var options = ScheduleOptions.builder().catchUp(CatchUp.NONE).listener(listener).build();
    List<Event<?>> stored;
    ProjectionException failure = null;
    try (EventStore store = InMemory.eventStore()) {
      if (!given.isEmpty()) {
        store.insert(given);
      }
      try (Stream<Event<?>> events = store.query(EventQuery.builder().build())) {
        stored = events.toList();
      }
      // A periodic schedule that never ticks during the test: the trigger runs its only job.
      try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), Set.of(EventBus.ALL), options)) {
        schedule.project(projection);
        schedule.trigger().get(APPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ProjectionException pe)) {
          throw new IllegalStateException("the projection job failed: " + e.getCause(), e.getCause());
        }
        failure = pe;
      } catch (TimeoutException e) {
        throw new AssertionError("the projection did not finish within " + APPLY_TIMEOUT, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while applying the given events", e);
      }
    }
    applied = new Applied(stored, failure);
    return applied;
  }
}
