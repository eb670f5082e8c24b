package dev.fabula.testing;

import dev.fabula.codec.Codec;
import dev.fabula.command.Command;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import dev.fabula.workflow.WorkflowStatus;
import dev.fabula.workflow.WorkflowView;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Given/when/then tests for a {@link WorkflowDefinition}: given past events, when an event arrives
 * or time advances, then these commands were requested, these timeouts are active, the workflow
 * has this status and state.
 *
 * <pre>{@code
 * WorkflowFixture<OrderState> orders = WorkflowFixture.of(OrderWorkflow.DEFINITION, codec);
 * orders.given("order.placed", new OrderPlaced("o-1", 2))
 *     .whenTimeAdvances(Duration.ofMinutes(31))
 *     .thenRequested("stock.release")
 *     .thenStatus(WorkflowStatus.COMPENSATING);
 * }</pre>
 *
 * <p>Each {@code when} runs the real runtime on fresh in-memory parts: a {@link WorkflowService}
 * over an in-memory store, on a clock that starts at {@link #startTime()} and moves only when told
 * to, with a command bus that records what is dispatched. The given events are stored and handled
 * first (what they request is not part of the outcome), then the {@code when}. The state and
 * every command payload go through {@code codec}, as they do in production, so a state the codec
 * cannot encode fails here: register the events, the commands, the state ({@link
 * WorkflowDefinition#registerState}) and the protocol ({@link WorkflowService#registerProtocol}).
 *
 * <p>A fixture may be reused: each {@code when} starts from the given events again.
 *
 * @param <S> the workflow's state type
 */
public final class WorkflowFixture<S> {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final WorkflowDefinition<S> definition;
  private final Codec codec;
  private final List<Event<?>> given = new ArrayList<>();

  private WorkflowFixture(WorkflowDefinition<S> definition, Codec codec) {
    this.definition = Objects.requireNonNull(definition, "definition");
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  /** A fixture for {@code definition}, encoding with {@code codec}. */
  public static <S> WorkflowFixture<S> of(WorkflowDefinition<S> definition, Codec codec) {
    return new WorkflowFixture<>(definition, codec);
  }

  /** The time the fixture's clock shows before any {@link #whenTimeAdvances}. */
  public Instant startTime() {
    return START;
  }

  /** A past event (of no aggregate); call several times for a longer history. */
  public WorkflowFixture<S> given(String eventName, Object data) {
    Objects.requireNonNull(eventName, "eventName");
    Objects.requireNonNull(data, "data");
    return given(Event.create(eventName, data));
  }

  /** A past event as given (for correlators that read its aggregate or metadata). */
  public WorkflowFixture<S> given(Event<?> event) {
    given.add(Objects.requireNonNull(event, "event"));
    return this;
  }

  /** Stores an event named {@code eventName} (of no aggregate) and lets the workflow handle it. */
  public Outcome<S> when(String eventName, Object data) {
    Objects.requireNonNull(eventName, "eventName");
    Objects.requireNonNull(data, "data");
    return when(Event.create(eventName, data));
  }

  /** Stores {@code event} and lets the workflow handle it. */
  public Outcome<S> when(Event<?> event) {
    Objects.requireNonNull(event, "event");
    return run((run) -> run.store.insert(List.of(event)));
  }

  /**
   * Moves the clock by {@code duration} and lets the timeouts that are then due fire.
   *
   * @throws IllegalArgumentException when {@code duration} is negative
   */
  public Outcome<S> whenTimeAdvances(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative, got " + duration);
    }
    return run((run) -> {
      run.clock.set(run.clock.get().plus(duration));
      run.service.resync();
    });
  }

  /** The parts of one {@code when}. */
  private record Run(EventStore store, AtomicReference<Instant> clock, WorkflowService service) {}

  private interface Step {
    void accept(Run run);
  }

  private Outcome<S> run(Step when) {
    AtomicReference<Instant> now = new AtomicReference<>(START);
    InstantSource clock = now::get;
    var failures = new ConcurrentLinkedQueue<Throwable>();
    try (EventStore store = InMemory.eventStore();
        EventBus bus = InMemory.eventBus();
        RecordingCommandBus commands = new RecordingCommandBus();
        WorkflowService service = WorkflowService.builder(store, bus, commands, codec)
            .add(definition)
            .clock(clock)
            .resyncInterval(Duration.ofDays(365)) // the fixture resyncs when time advances
            .takeoverGrace(Duration.ofDays(365)) // nothing is taken over: nothing crashed
            .dispatchOptions(DispatchOptions.sync())
            .onFailure(failures::add)
            .build()) {
      if (!given.isEmpty()) {
        store.insert(given);
      }
      service.start();
      List<Throwable> givenFailures = List.copyOf(failures);
      if (!givenFailures.isEmpty()) {
        AssertionError error = new AssertionError("the given events failed: " + givenFailures.getFirst());
        givenFailures.forEach(error::addSuppressed);
        throw error;
      }
      int before = commands.dispatched().size();
      when.accept(new Run(store, now, service));
      try {
        service.awaitCaughtUp(WAIT);
      } catch (RuntimeException stopped) {
        // the failure that stopped the intake is among the reported ones
        if (failures.isEmpty()) {
          failures.add(stopped);
        }
      }
      List<Command<?>> requested = commands.dispatched().subList(before, commands.dispatched().size());
      Map<UUID, WorkflowView<S>> instances = new java.util.LinkedHashMap<>();
      for (UUID id : instanceIds(store)) {
        service.find(definition, id).ifPresent(v -> instances.put(id, v));
      }
      return new Outcome<>(definition.name(), List.copyOf(requested), instances, List.copyOf(failures));
    }
  }

  private Set<UUID> instanceIds(EventStore store) {
    try (Stream<Event<?>> events = store.query(EventQuery.builder().aggregateNames(definition.aggregateName()).build())) {
      return events.map(e -> Objects.requireNonNull(e.aggregateOrNull()).id())
          .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }
  }

  /**
   * What a {@code when} did. The {@code then…} methods throw {@link AssertionError}s that show
   * expected and actual; those about the instance need exactly one instance (or use {@link
   * #instance(UUID)}).
   *
   * @param <S> the workflow's state type
   */
  public static final class Outcome<S> {
    private final String workflow;
    private final List<Command<?>> requested;
    private final Map<UUID, WorkflowView<S>> instances;
    private final List<Throwable> failures;

    Outcome(String workflow, List<Command<?>> requested, Map<UUID, WorkflowView<S>> instances, List<Throwable> failures) {
      this.workflow = workflow;
      this.requested = requested;
      this.instances = instances;
      this.failures = failures;
    }

    /** The commands requested by the {@code when}, in order, each with its deterministic id. */
    public List<Command<?>> requested() {
      return requested;
    }

    /** The failures the runtime reported during the {@code when} (a reaction that threw, ...). */
    public List<Throwable> failures() {
      return failures;
    }

    /** Every instance of the workflow after the {@code when}, by id. */
    public Map<UUID, WorkflowView<S>> instances() {
      return instances;
    }

    /**
     * The one instance of the workflow.
     *
     * @throws AssertionError when there is none or more than one
     */
    public WorkflowView<S> instance() {
      if (instances.size() != 1) {
        throw new AssertionError("expected one instance of workflow " + workflow + " but there are "
            + instances.size() + (instances.isEmpty() ? " (no event started it)" : ": " + instances.keySet()));
      }
      return instances.values().iterator().next();
    }

    /**
     * The instance {@code id}.
     *
     * @throws AssertionError when it does not exist
     */
    public WorkflowView<S> instance(UUID id) {
      Objects.requireNonNull(id, "id");
      WorkflowView<S> view = instances.get(id);
      if (view == null) {
        throw new AssertionError("workflow " + workflow + " has no instance " + id + "; it has " + instances.keySet());
      }
      return view;
    }

    /** Asserts the names of the requested commands, exactly and in order. */
    public Outcome<S> thenRequested(String... commandNames) {
      Objects.requireNonNull(commandNames, "commandNames");
      List<String> actual = requested.stream().map(Command::name).toList();
      if (!actual.equals(Arrays.asList(commandNames))) {
        throw new AssertionError("expected requested commands " + Arrays.toString(commandNames) + " but got " + actual);
      }
      return this;
    }

    /** Asserts that a command named {@code commandName} with a payload equal to {@code payload} was requested. */
    public Outcome<S> thenRequested(String commandName, Object payload) {
      Objects.requireNonNull(commandName, "commandName");
      Objects.requireNonNull(payload, "payload");
      if (requested.stream().noneMatch(c -> c.name().equals(commandName) && c.payload().equals(payload))) {
        throw new AssertionError("expected a requested command " + commandName + " " + payload + " but got "
            + requested.stream().map(c -> c.name() + " " + c.payload()).toList());
      }
      return this;
    }

    /** Asserts that no command was requested. */
    public Outcome<S> thenNothingRequested() {
      return thenRequested();
    }

    /** Asserts that the instance's timeout {@code key} is active and due at {@code due}. */
    public Outcome<S> thenScheduled(String key, Instant due) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(due, "due");
      Map<String, Instant> timeouts = instance().timeouts();
      if (!due.equals(timeouts.get(key))) {
        throw new AssertionError("expected timeout '" + key + "' due at " + due + " but the active timeouts are " + timeouts);
      }
      return this;
    }

    /** Asserts that the instance has no active timeout. */
    public Outcome<S> thenNoTimeouts() {
      Map<String, Instant> timeouts = instance().timeouts();
      if (!timeouts.isEmpty()) {
        throw new AssertionError("expected no active timeout but there are " + timeouts);
      }
      return this;
    }

    /** Asserts the instance's status. */
    public Outcome<S> thenStatus(WorkflowStatus expected) {
      Objects.requireNonNull(expected, "expected");
      WorkflowStatus actual = instance().status();
      if (actual != expected) {
        throw new AssertionError("expected status " + expected + " but workflow " + workflow + " is " + actual);
      }
      return this;
    }

    /** Asserts the instance's state equals {@code expected}. */
    public Outcome<S> thenState(S expected) {
      Objects.requireNonNull(expected, "expected");
      S actual = instance().state();
      if (!expected.equals(actual)) {
        throw new AssertionError("expected state " + expected + " but got " + actual);
      }
      return this;
    }

    /** Asserts that the runtime reported a failure of type {@code type} whose message contains {@code messagePart}. */
    public Outcome<S> thenFailed(Class<? extends Throwable> type, String messagePart) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(messagePart, "messagePart");
      for (Throwable f : failures) {
        for (@Nullable Throwable t = f; t != null; t = t.getCause()) {
          if (type.isInstance(t) && String.valueOf(t.getMessage()).contains(messagePart)) {
            return this;
          }
        }
      }
      throw new AssertionError("expected a failure " + type.getName() + " containing \"" + messagePart + "\" but got " + failures);
    }
  }
}
