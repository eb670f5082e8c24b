package dev.fabula.telemetry;

import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/** {@link Telemetry#eventBus}: observes publishes and each subscriber's deliveries. */
final class ObservedEventBus implements EventBus {
  /** How many failed event ids a subscription remembers to recognise their redelivery. */
  static final int REMEMBERED_FAILURES = 1024;

  private final EventBus bus;
  private final Instrumentation instrumentation;

  ObservedEventBus(EventBus bus, Instrumentation instrumentation) {
    this.bus = bus;
    this.instrumentation = instrumentation;
  }

  @Override
  public void publish(List<? extends Event<?>> events) {
    Objects.requireNonNull(events, "events");
    if (events.isEmpty()) {
      bus.publish(events);
      return;
    }
    Observation o = instrumentation.start(new Operation.Publish(events));
    Observation.Scope s = o.makeCurrent();
    try {
      bus.publish(ObservedEventStore.propagated(o, events));
    } catch (RuntimeException | Error e) {
      o.end(e);
      throw e;
    } finally {
      s.close();
    }
    o.end(null);
  }

  @Override
  public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    Objects.requireNonNull(handler, "handler");
    return bus.subscribe(names, new Observed(handler, instrumentation), options);
  }

  @Override
  public void close() {
    bus.close();
  }

  @Override
  public String toString() {
    return "Observed[" + bus + "]";
  }

  /**
   * A subscriber's handler, observed. Remembers the ids of the last {@value #REMEMBERED_FAILURES}
   * events it failed on, so that a bus delivering one again (a durable subscription redelivers
   * what its handler failed on) is seen as a redelivery.
   */
  private static final class Observed implements EventHandler {
    private final EventHandler handler;
    private final Instrumentation instrumentation;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<UUID, Boolean> failed =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > REMEMBERED_FAILURES;
          }
        };

    Observed(EventHandler handler, Instrumentation instrumentation) {
      this.handler = handler;
      this.instrumentation = instrumentation;
    }

    @Override
    public void handle(Event<?> event) throws Exception {
      boolean again = forget(event.id());
      Observation o = instrumentation.start(new Operation.Deliver(event, again));
      Observation.Scope s = o.makeCurrent();
      try {
        handler.handle(event);
      } catch (Throwable e) {
        remember(event.id());
        o.end(e);
        throw e;
      } finally {
        s.close();
      }
      o.end(null);
    }

    private boolean forget(UUID id) {
      lock.lock();
      try {
        return !failed.isEmpty() && failed.remove(id) != null;
      } finally {
        lock.unlock();
      }
    }

    private void remember(UUID id) {
      lock.lock();
      try {
        failed.put(id, Boolean.TRUE);
      } finally {
        lock.unlock();
      }
    }
  }
}
