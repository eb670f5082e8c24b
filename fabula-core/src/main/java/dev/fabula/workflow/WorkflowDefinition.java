package dev.fabula.workflow;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.spi.EventLimits;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A workflow type: its name, the type and initial value of its state, the events that start it,
 * those it reacts to while running and while compensating (each with the {@link Correlator} that
 * finds the instance), and its timeout reactions. Immutable; build one with {@link #builder}.
 *
 * <p>Each event name is registered once per workflow (as a start, reaction or compensation
 * event), so that one correlator decides which instance it concerns. A start event is handled
 * only by an instance that does not exist yet, a reaction only by a {@code RUNNING} one, a
 * compensation event only by a {@code COMPENSATING} one; anything else is ignored, and so is
 * every event for a terminal instance.
 *
 * @param <S> the state type: registered in the codec under {@link #stateName(String)}
 */
public final class WorkflowDefinition<S> {
  private final String name;
  private final Class<S> stateType;
  private final S initialState;
  private final Map<String, Registration<S, ?>> registrations;
  private final Map<String, TimeoutReaction<S>> timeouts;
  private final boolean strict;

  private WorkflowDefinition(Builder<S> builder) {
    this.name = builder.name;
    this.stateType = builder.stateType;
    this.initialState = builder.initialState;
    this.registrations = Collections.unmodifiableMap(new LinkedHashMap<>(builder.registrations));
    this.timeouts = Collections.unmodifiableMap(new LinkedHashMap<>(builder.timeouts));
    this.strict = builder.strict;
  }

  /**
   * A builder of the workflow {@code name} whose state is a {@code stateType}, starting as
   * {@code initialState}.
   *
   * @throws IllegalArgumentException when the name is blank or longer than event names may be
   */
  public static <S> Builder<S> builder(String name, Class<S> stateType, S initialState) {
    return new Builder<>(name, stateType, initialState);
  }

  /** The codec name the state of workflow {@code workflowName} is encoded under: {@code "<name>:state"}. */
  public static String stateName(String workflowName) {
    Objects.requireNonNull(workflowName, "workflowName");
    return workflowName + ":state";
  }

  /** The workflow's name. */
  public String name() {
    return name;
  }

  /** The state's type. */
  public Class<S> stateType() {
    return stateType;
  }

  /** The state of a new instance. */
  public S initialState() {
    return initialState;
  }

  /** The names of every event the workflow handles. */
  public Set<String> eventNames() {
    return registrations.keySet();
  }

  /** Whether a correlator finding no instance is an error ({@link UncorrelatedEventException}). */
  public boolean strictCorrelation() {
    return strict;
  }

  /** The aggregate name of the workflow's instances in the event store: {@code "workflow:<name>"}. */
  public String aggregateName() {
    return "workflow:" + name;
  }

  /** The id {@link Correlator#byKey} gives the instance for business key {@code key}. */
  public UUID idForKey(String key) {
    return Ids.forKey(name, Objects.requireNonNull(key, "key"));
  }

  /** Registers the state type in {@code registry} under {@link #stateName(String)}, and returns it. */
  public CodecRegistry.Builder registerState(CodecRegistry.Builder registry) {
    Objects.requireNonNull(registry, "registry");
    return registry.register(stateName(name), stateType);
  }

  Registration<S, ?> registration(String eventName) {
    return registrations.get(eventName);
  }

  TimeoutReaction<S> timeout(String key) {
    return timeouts.get(key);
  }

  boolean hasTimeout(String key) {
    return timeouts.containsKey(key);
  }

  @Override
  public String toString() {
    return "WorkflowDefinition[" + name + ", events " + registrations.keySet() + ", timeouts "
        + timeouts.keySet() + "]";
  }

  /**
   * Decides what a workflow does on one event: reads the context's state and status and records
   * effects in it.
   *
   * @param <S> the state type
   * @param <D> the event's data type
   */
  @FunctionalInterface
  public interface Reaction<S, D> {
    /** Reacts to {@code event}. What it throws fails the trigger; nothing is recorded. */
    void react(WorkflowContext<S> context, Event<D> event);
  }

  /**
   * Decides what a workflow does when one of its timeouts is due.
   *
   * @param <S> the state type
   */
  @FunctionalInterface
  public interface TimeoutReaction<S> {
    /** Reacts to the timeout. What it throws fails the firing; the timeout stays active. */
    void onTimeout(WorkflowContext<S> context);
  }

  /** When a registration is handled. */
  enum Kind {
    START,
    REACT,
    COMPENSATE
  }

  /** One event name's handling. */
  record Registration<S, D>(
      Kind kind, String eventName, Class<D> dataType, Correlator<D> correlator, Reaction<S, D> reaction) {}

  /**
   * Configures a {@link WorkflowDefinition}. {@link #build} checks that at least one event starts
   * the workflow.
   *
   * @param <S> the state type
   */
  public static final class Builder<S> {
    private final String name;
    private final Class<S> stateType;
    private final S initialState;
    private final Map<String, Registration<S, ?>> registrations = new LinkedHashMap<>();
    private final Map<String, TimeoutReaction<S>> timeouts = new LinkedHashMap<>();
    private boolean strict;

    private Builder(String name, Class<S> stateType, S initialState) {
      this.name = requireName("workflow name", name);
      this.stateType = Objects.requireNonNull(stateType, "stateType");
      this.initialState = Objects.requireNonNull(initialState, "initialState");
      if (!stateType.isInstance(initialState)) {
        throw new IllegalArgumentException("initial state of workflow " + name + " is a "
            + initialState.getClass().getName() + ", not a " + stateType.getName());
      }
      // The aggregate name "workflow:<name>" must be a valid aggregate name.
      EventLimits.checkText("workflow aggregate name", "workflow:" + name);
    }

    /**
     * Events named {@code eventName} start an instance: the one {@code correlator} maps them to,
     * if it does not exist yet, with the initial state and status {@code RUNNING}.
     *
     * @throws IllegalArgumentException when the name is blank or already registered
     */
    public <D> Builder<S> startsOn(
        String eventName, Class<D> dataType, Correlator<D> correlator, Reaction<S, D> reaction) {
      return add(Kind.START, eventName, dataType, correlator, reaction);
    }

    /**
     * Events named {@code eventName} are handled by the {@code RUNNING} instance {@code
     * correlator} maps them to; ignored otherwise.
     *
     * @throws IllegalArgumentException when the name is blank or already registered
     */
    public <D> Builder<S> reactsTo(
        String eventName, Class<D> dataType, Correlator<D> correlator, Reaction<S, D> reaction) {
      return add(Kind.REACT, eventName, dataType, correlator, reaction);
    }

    /**
     * Events named {@code eventName} are handled by the {@code COMPENSATING} instance {@code
     * correlator} maps them to; ignored otherwise.
     *
     * @throws IllegalArgumentException when the name is blank or already registered
     */
    public <D> Builder<S> compensatesOn(
        String eventName, Class<D> dataType, Correlator<D> correlator, Reaction<S, D> reaction) {
      return add(Kind.COMPENSATE, eventName, dataType, correlator, reaction);
    }

    /**
     * The reaction when the timeout {@code key} is due (in {@code RUNNING} or {@code
     * COMPENSATING}).
     *
     * @throws IllegalArgumentException when the key is blank or already has a reaction
     */
    public Builder<S> onTimeout(String key, TimeoutReaction<S> reaction) {
      requireName("timeout key", key);
      Objects.requireNonNull(reaction, "reaction");
      if (timeouts.putIfAbsent(key, reaction) != null) {
        throw new IllegalArgumentException(
            "workflow " + name + " already has a reaction for timeout '" + key + "'");
      }
      return this;
    }

    /**
     * Makes a correlator that finds no instance an error ({@link UncorrelatedEventException},
     * reported and stopping the workflow's intake at that event) instead of a reason to ignore the
     * event.
     */
    public Builder<S> strictCorrelation() {
      strict = true;
      return this;
    }

    /**
     * The definition.
     *
     * @throws IllegalStateException when no event starts the workflow
     */
    public WorkflowDefinition<S> build() {
      if (registrations.values().stream().noneMatch(r -> r.kind() == Kind.START)) {
        throw new IllegalStateException(
            "workflow " + name + " has no start event: register one with startsOn");
      }
      return new WorkflowDefinition<>(this);
    }

    private <D> Builder<S> add(
        Kind kind, String eventName, Class<D> dataType, Correlator<D> correlator, Reaction<S, D> reaction) {
      requireName("event name", eventName);
      Objects.requireNonNull(dataType, "dataType");
      Objects.requireNonNull(correlator, "correlator");
      Objects.requireNonNull(reaction, "reaction");
      Correlator<D> bound = correlator instanceof ByKey<D> byKey ? byKey.boundTo(name) : correlator;
      Registration<S, D> registration = new Registration<>(kind, eventName, dataType, bound, reaction);
      Registration<S, ?> earlier = registrations.putIfAbsent(eventName, registration);
      if (earlier != null) {
        throw new IllegalArgumentException("workflow " + name + " already handles '" + eventName
            + "' (" + earlier.kind().name().toLowerCase(java.util.Locale.ROOT)
            + "): each event name is registered once, so one correlator finds its instance");
      }
      return this;
    }

    private static String requireName(String what, String value) {
      Objects.requireNonNull(value, what);
      if (value.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return value;
    }
  }
}
