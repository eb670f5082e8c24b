package dev.fabula.telemetry;

import dev.fabula.command.CommandBus;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.Metadata;
import dev.fabula.projection.ApplyInterceptor;
import dev.fabula.snapshot.SnapshotStore;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Decorators that observe Fabula's operations through {@link Instrumentation}s: wrap the event
 * store, the event bus, the command bus and the snapshot store with these, and give {@link
 * #interceptor()} to projection schedules. They work over every backend alike, change no behaviour
 * (every result and every exception passes through), and add only the trace context to the
 * metadata of the commands and events they send (see the package documentation for the meters,
 * spans and where the context travels).
 *
 * <p>Immutable and thread-safe; one instance serves any number of decorators.
 */
public final class Telemetry {
  private final Instrumentation instrumentation;

  private Telemetry(Instrumentation instrumentation) {
    this.instrumentation = instrumentation;
  }

  /**
   * Telemetry through the given instrumentations, each seeing every operation, in this order.
   *
   * @throws IllegalArgumentException when none is given
   */
  public static Telemetry of(Instrumentation... instrumentations) {
    Objects.requireNonNull(instrumentations, "instrumentations");
    List<Instrumentation> all = List.of(instrumentations); // rejects null elements
    if (all.isEmpty()) {
      throw new IllegalArgumentException("give at least one instrumentation");
    }
    return new Telemetry(all.size() == 1 ? all.getFirst() : new Composite(all));
  }

  /**
   * {@code store}, observing inserts ({@link Operation.Append}) and reads of one aggregate's
   * stream ({@link Operation.Load}). Each inserted event's metadata gets the trace context of its
   * append, so readers of the store (projections) join the trace. Keeps {@link InsertNotifying}
   * when {@code store} has it. Closing it closes {@code store}.
   */
  public EventStore eventStore(EventStore store) {
    Objects.requireNonNull(store, "store");
    return store instanceof InsertNotifying
        ? new ObservedEventStore.Notifying(store, instrumentation)
        : new ObservedEventStore(store, instrumentation);
  }

  /**
   * {@code bus}, observing publishes ({@link Operation.Publish}) and each subscriber's handling of
   * each event ({@link Operation.Deliver}). Each published event's metadata gets the trace context
   * of its publish. Closing it closes {@code bus}.
   */
  public EventBus eventBus(EventBus bus) {
    return new ObservedEventBus(Objects.requireNonNull(bus, "bus"), instrumentation);
  }

  /**
   * {@code bus}, observing dispatches ({@link Operation.Dispatch}) and the handlers registered
   * through it ({@link Operation.Handle}). A dispatched command's metadata gets the trace context
   * of its dispatch, which the bus carries to the handler, in this process or another. Closing it
   * closes {@code bus}.
   */
  public CommandBus commandBus(CommandBus bus) {
    return new ObservedCommandBus(Objects.requireNonNull(bus, "bus"), instrumentation);
  }

  /**
   * {@code store}, observing the lookups a repository's load makes ({@link
   * Operation.SnapshotLoad}: {@code latest} and {@code limit}). Closing it closes {@code store}.
   */
  public SnapshotStore snapshotStore(SnapshotStore store) {
    return new ObservedSnapshotStore(Objects.requireNonNull(store, "store"), instrumentation);
  }

  /**
   * The interceptor that observes each event a schedule's job applies to a projection ({@link
   * Operation.Apply}): give it to {@link dev.fabula.projection.ScheduleOptions.Builder#interceptor}.
   */
  public ApplyInterceptor interceptor() {
    return (projection, event, application) -> {
      Observation o = instrumentation.start(new Operation.Apply(projection.projectionName(), event));
      Observation.Scope s = o.makeCurrent();
      try {
        application.run();
      } catch (Throwable e) {
        o.end(e);
        throw e;
      } finally {
        s.close();
      }
      o.end(null);
    };
  }

  /** Several instrumentations as one: each sees every operation, in order. */
  private record Composite(List<Instrumentation> all) implements Instrumentation {
    @Override
    public Observation start(Operation operation) {
      Observation[] started = new Observation[all.size()];
      for (int i = 0; i < started.length; i++) {
        started[i] = all.get(i).start(operation);
      }
      return new Observation() {
        @Override
        public Metadata propagate(Metadata metadata) {
          Metadata m = metadata;
          for (Observation o : started) {
            m = o.propagate(m);
          }
          return m;
        }

        @Override
        public Scope makeCurrent() {
          Scope[] scopes = new Scope[started.length];
          for (int i = 0; i < started.length; i++) {
            scopes[i] = started[i].makeCurrent();
          }
          return () -> {
            for (int i = scopes.length - 1; i >= 0; i--) {
              scopes[i].close();
            }
          };
        }

        @Override
        public void count(long items) {
          for (Observation o : started) {
            o.count(items);
          }
        }

        @Override
        public void end(@Nullable Throwable failure) {
          for (Observation o : started) {
            o.end(failure);
          }
        }
      };
    }
  }
}
