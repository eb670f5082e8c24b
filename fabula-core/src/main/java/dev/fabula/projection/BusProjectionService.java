package dev.fabula.projection;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@link ProjectionService} over an {@link EventBus}. */
final class BusProjectionService implements ProjectionService {
  private static final System.Logger LOG = System.getLogger(BusProjectionService.class.getName());

  /** How an acceptance or refusal reaches the waiting caller. */
  private sealed interface Answer {}

  private record Accepted() implements Answer {}

  private record Refused(String reason) implements Answer {}

  private final EventBus bus;
  private final Duration acceptTimeout;
  private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();
  private final Map<UUID, CompletableFuture<Answer>> pending = new ConcurrentHashMap<>();
  private final Subscription requests;
  private final Subscription acceptances;
  private volatile boolean closed;

  BusProjectionService(EventBus bus, Duration acceptTimeout) {
    this.bus = bus;
    this.acceptTimeout = acceptTimeout;
    this.acceptances = bus.subscribe(Set.of(TRIGGER_ACCEPTED, TRIGGER_FAILED), this::onAnswer);
    this.requests = bus.subscribe(Set.of(TRIGGER_REQUESTED), this::onRequested);
  }

  @Override
  public AutoCloseable register(String name, Schedule schedule) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schedule, "schedule");
    if (name.isBlank()) {
      throw new IllegalArgumentException("schedule name must not be blank");
    }
    ensureOpen();
    if (schedules.putIfAbsent(name, schedule) != null) {
      throw new IllegalStateException("a schedule named '" + name + "' is already registered");
    }
    return () -> schedules.remove(name, schedule);
  }

  @Override
  public void trigger(String name, TriggerOptions options) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    if (options.query().isPresent() || !options.filters().isEmpty()) {
      throw new IllegalArgumentException(
          "a query or filters do not travel to other processes; trigger the Schedule directly");
    }
    ensureOpen();
    UUID requestId = UUID.randomUUID();
    var answer = new CompletableFuture<Answer>();
    pending.put(requestId, answer);
    try {
      bus.publish(
          List.of(Event.create(TRIGGER_REQUESTED, new TriggerRequested(requestId, name, options.reset()))));
      if (answer.get(acceptTimeout.toNanos(), TimeUnit.NANOSECONDS) instanceof Refused refused) {
        throw new FabulaException(
            "schedule '" + name + "' could not be triggered: " + refused.reason());
      }
    } catch (TimeoutException e) {
      throw new UnknownScheduleException(name, acceptTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while triggering schedule '" + name + "'", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof FabulaException f) {
        throw f;
      }
      throw new FabulaException("triggering schedule '" + name + "' failed", e.getCause());
    } finally {
      pending.remove(requestId);
    }
  }

  private void onRequested(Event<?> event) {
    if (!(event.data() instanceof TriggerRequested request)) {
      return;
    }
    Schedule schedule = schedules.get(request.schedule());
    if (schedule == null) {
      return; // another process may run it; the requester times out if none does
    }
    TriggerOptions options = request.reset() ? TriggerOptions.rebuild() : TriggerOptions.defaults();
    try {
      // The job's own outcome goes to the schedule's listener, which logs failures once.
      schedule.trigger(options);
    } catch (Throwable t) { // a closed or broken schedule: tell the caller instead of going silent
      LOG.log(
          System.Logger.Level.ERROR, "cannot trigger schedule '" + request.schedule() + "'", t);
      bus.publish(
          List.of(
              Event.create(
                  TRIGGER_FAILED,
                  new TriggerFailed(request.requestId(), request.schedule(), String.valueOf(t)))));
      return;
    }
    bus.publish(
        List.of(
            Event.create(
                TRIGGER_ACCEPTED, new TriggerAccepted(request.requestId(), request.schedule()))));
  }

  private void onAnswer(Event<?> event) {
    if (event.data() instanceof TriggerAccepted accepted) {
      CompletableFuture<Answer> waiting = pending.get(accepted.requestId());
      if (waiting != null) {
        waiting.complete(new Accepted());
      }
    } else if (event.data() instanceof TriggerFailed failed) {
      CompletableFuture<Answer> waiting = pending.get(failed.requestId());
      if (waiting != null) {
        waiting.complete(new Refused(failed.reason()));
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    requests.close();
    acceptances.close();
    pending.values().forEach(f -> f.completeExceptionally(new ClosedException("projection service")));
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("projection service");
    }
  }
}
