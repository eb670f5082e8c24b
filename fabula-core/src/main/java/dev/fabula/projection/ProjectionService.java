package dev.fabula.projection;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.EventBus;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Triggers named schedules in whichever process runs them, over the event bus.
 *
 * <p>Each process registers the schedules it runs under a name. {@link #trigger} publishes a
 * {@value #TRIGGER_REQUESTED} event; every service that has a schedule of that name triggers it and
 * answers with {@value #TRIGGER_ACCEPTED}. The caller returns once one process accepted, and gets
 * an {@link UnknownScheduleException} if none did within the accept timeout — an unknown name is
 * never a silent no-op.
 *
 * <p>Only the reset flag travels over the bus (a query or filters would need the codec of a
 * remote process); trigger a local {@link Schedule} directly for those. Over a bus that encodes
 * event data (any networked one), the codec registry needs the service's three events: {@link
 * #registerProtocol} adds them.
 */
public interface ProjectionService extends AutoCloseable {
  /** Event name of a trigger request; data {@link TriggerRequested}. */
  String TRIGGER_REQUESTED = "fabula.projection.trigger-requested";

  /** Event name of a trigger acceptance; data {@link TriggerAccepted}. */
  String TRIGGER_ACCEPTED = "fabula.projection.trigger-accepted";

  /**
   * Event name of a process's report that it runs the schedule but could not trigger it (it is
   * closed or broken); data {@link TriggerFailed}.
   */
  String TRIGGER_FAILED = "fabula.projection.trigger-failed";

  /**
   * Registers the service's events ({@link TriggerRequested}, {@link TriggerAccepted} and {@link
   * TriggerFailed} under their names) in {@code registry}, and returns it. An event bus that
   * encodes events needs them in the codec it encodes with; the in-memory bus does not.
   */
  static CodecRegistry.Builder registerProtocol(CodecRegistry.Builder registry) {
    Objects.requireNonNull(registry, "registry");
    return registry
        .register(TRIGGER_REQUESTED, TriggerRequested.class)
        .register(TRIGGER_ACCEPTED, TriggerAccepted.class)
        .register(TRIGGER_FAILED, TriggerFailed.class);
  }

  /** How long {@link #trigger} waits for an acceptance by default. */
  Duration DEFAULT_ACCEPT_TIMEOUT = Duration.ofSeconds(5);

  /** A service on {@code bus} waiting {@link #DEFAULT_ACCEPT_TIMEOUT} for acceptances. */
  static ProjectionService create(EventBus bus) {
    return create(bus, DEFAULT_ACCEPT_TIMEOUT);
  }

  /**
   * A service on {@code bus} waiting up to {@code acceptTimeout} for a process to accept a trigger.
   *
   * @throws IllegalArgumentException when the timeout is not positive
   */
  static ProjectionService create(EventBus bus, Duration acceptTimeout) {
    Objects.requireNonNull(bus, "bus");
    Objects.requireNonNull(acceptTimeout, "acceptTimeout");
    if (acceptTimeout.isNegative() || acceptTimeout.isZero()) {
      throw new IllegalArgumentException("acceptTimeout must be positive, got " + acceptTimeout);
    }
    return new BusProjectionService(bus, acceptTimeout);
  }

  /**
   * Makes {@code schedule} triggerable under {@code name} from any process; closing the returned
   * handle unregisters it.
   *
   * @throws IllegalArgumentException when the name is blank
   * @throws IllegalStateException when this service already has a schedule with that name
   */
  AutoCloseable register(String name, Schedule schedule);

  /**
   * Triggers the schedule registered as {@code name} in every process that runs it, and returns
   * once one of them accepted (the jobs run asynchronously there).
   *
   * @throws UnknownScheduleException when no process accepted within the accept timeout
   * @throws dev.fabula.FabulaException when the process running the schedule could not trigger it
   *     (the message says why; that process logged it too)
   * @throws IllegalArgumentException when the options carry a query or filters (local only)
   * @throws dev.fabula.ClosedException when the service is closed
   */
  void trigger(String name, TriggerOptions options);

  /** {@link #trigger(String, TriggerOptions)} with {@link TriggerOptions#defaults()}. */
  default void trigger(String name) {
    trigger(name, TriggerOptions.defaults());
  }

  /** Unsubscribes from the bus; registered schedules are not closed. Idempotent. */
  @Override
  void close();

  /**
   * The data of a {@value #TRIGGER_REQUESTED} event.
   *
   * @param requestId correlates the acceptance
   * @param schedule the schedule name
   * @param reset whether to rebuild the projections
   */
  record TriggerRequested(UUID requestId, String schedule, boolean reset) {
    /** Validates the record. */
    public TriggerRequested {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(schedule, "schedule");
    }
  }

  /**
   * The data of a {@value #TRIGGER_FAILED} event.
   *
   * @param requestId the request refused
   * @param schedule the schedule name
   * @param reason why the schedule could not be triggered
   */
  record TriggerFailed(UUID requestId, String schedule, String reason) {
    /** Validates the record. */
    public TriggerFailed {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(schedule, "schedule");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The data of a {@value #TRIGGER_ACCEPTED} event.
   *
   * @param requestId the request accepted
   * @param schedule the schedule name
   */
  record TriggerAccepted(UUID requestId, String schedule) {
    /** Validates the record. */
    public TriggerAccepted {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(schedule, "schedule");
    }
  }
}
