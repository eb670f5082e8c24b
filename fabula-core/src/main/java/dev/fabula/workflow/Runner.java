package dev.fabula.workflow;

import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.repository.History;
import dev.fabula.repository.Repository;
import dev.fabula.spi.WorkflowProtocol.RecordedCommand;
import dev.fabula.spi.WorkflowProtocol.RecordedTimeout;
import dev.fabula.spi.WorkflowProtocol.Transitioned;
import dev.fabula.workflow.WorkflowDefinition.Kind;
import dev.fabula.workflow.WorkflowDefinition.Registration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/** Runs the transitions of one workflow definition on its instances' streams. */
final class Runner<S> {
  /** What a runner reports after a commit, for the service to execute. */
  interface Effects {
    /** The instance's committed state: its active timeouts and new commands to execute. */
    void committed(Runner<?> runner, WorkflowInstance instance, List<RecordedCommand> newCommands);
  }

  final WorkflowDefinition<S> definition;
  private final Repository<WorkflowInstance> repository;
  private final Codec codec;
  private final InstantSource clock;
  private final Effects effects;

  Runner(WorkflowDefinition<S> definition, EventStore store, Codec codec, InstantSource clock, Effects effects) {
    this.definition = definition;
    this.codec = codec;
    this.clock = clock;
    this.effects = effects;
    String aggregateName = definition.aggregateName();
    this.repository = Repository.of(store, id -> new WorkflowInstance(aggregateName, id, clock));
  }

  String name() {
    return definition.name();
  }

  /** Handles {@code event} if this workflow registered its name; the intake's projection. */
  void handle(Event<?> event) {
    Registration<S, ?> registration = definition.registration(event.name());
    if (registration != null) {
      handle(registration, event);
    }
  }

  private <D> void handle(Registration<S, D> registration, Event<?> event) {
    if (!registration.dataType().isInstance(event.data())) {
      throw new IllegalArgumentException("workflow " + name() + " expects a "
          + registration.dataType().getName() + " in events named '" + event.name() + "', but event "
          + event.id() + " carries a " + event.data().getClass().getName());
    }
    @SuppressWarnings("unchecked") // checked just above
    Event<D> typed = (Event<D>) event;
    Optional<UUID> correlated = registration.correlator().correlate(typed);
    if (correlated.isEmpty()) {
      if (definition.strictCorrelation()) {
        throw new UncorrelatedEventException(name(), event.id(), event.name());
      }
      return;
    }
    UUID id = correlated.get();
    transition(id, event.id(), instance -> {
      WorkflowStatus status;
      if (!instance.started()) {
        if (registration.kind() != Kind.START) {
          return null; // not started: only a start event concerns it
        }
        status = WorkflowStatus.RUNNING;
      } else {
        status = instance.status();
        boolean handles = switch (registration.kind()) {
          case START -> false; // already started
          case REACT -> status == WorkflowStatus.RUNNING;
          case COMPENSATE -> status == WorkflowStatus.COMPENSATING;
        };
        if (!handles) {
          return null;
        }
      }
      Transition<S> t = new Transition<>(definition, id, event.id(), event.name(), status,
          instance.started() ? decodeState(instance) : definition.initialState(), clock.instant(), codec);
      registration.reaction().react(t, typed);
      return t;
    });
  }

  /** Fires {@code timeout} of instance {@code id} if it is still active there. */
  void fire(UUID id, RecordedTimeout timeout) {
    transition(id, timeout.effectId(), instance -> {
      RecordedTimeout active = instance.started() ? instance.timeout(timeout.key()) : null;
      if (active == null || !active.effectId().equals(timeout.effectId())) {
        return null; // unscheduled, replaced, fired, or ended with the workflow
      }
      Transition<S> t = new Transition<>(definition, id, timeout.effectId(), "timeout:" + timeout.key(),
          instance.status(), decodeState(instance), clock.instant(), codec);
      definition.timeout(timeout.key()).onTimeout(t);
      return t;
    });
  }

  /** The part every trigger shares: skip it when handled or terminal, record it once, report the commit. */
  private void transition(
      UUID id, UUID triggerId, java.util.function.Function<WorkflowInstance, @Nullable Transition<S>> decide) {
    AtomicReference<@Nullable Transitioned> recorded = new AtomicReference<>();
    WorkflowInstance saved = repository.use(id, instance -> {
      recorded.set(null);
      if (instance.handled(triggerId) || (instance.started() && instance.status().isTerminal())) {
        return;
      }
      Transition<S> t = decide.apply(instance);
      if (t != null) {
        Transitioned event = t.toEvent();
        instance.record(event);
        recorded.set(event);
      }
    });
    Transitioned committed = recorded.get();
    if (committed != null) {
      effects.committed(this, saved, committed.commands());
    }
  }

  /** Marks command {@code effectId} of instance {@code id} dispatched, unless it is no longer pending. */
  void markDispatched(UUID id, UUID effectId) {
    repository.use(id, instance -> instance.markDispatched(effectId));
  }

  /** Every instance's stored state, one by one; closes the read when done. */
  void eachInstance(Consumer<WorkflowInstance> action) {
    try (Stream<History> histories =
        repository.query(EventQuery.builder().aggregateNames(definition.aggregateName()).build())) {
      histories.forEach(h -> action.accept(repository.rebuild(h)));
    }
  }

  Optional<WorkflowView<S>> find(UUID id) {
    WorkflowInstance instance = repository.fetch(id);
    if (!instance.started()) {
      return Optional.empty();
    }
    Map<String, Instant> timeouts = new LinkedHashMap<>();
    for (RecordedTimeout t : instance.timeouts()) {
      timeouts.put(t.key(), t.due());
    }
    return Optional.of(new WorkflowView<>(id, instance.status(), decodeState(instance), timeouts,
        instance.pending().stream().map(p -> p.command().effectId()).collect(Collectors.toSet()),
        instance.version()));
  }

  private S decodeState(WorkflowInstance instance) {
    byte[] bytes = instance.state();
    if (bytes == null) {
      throw new IllegalStateException("workflow " + name() + " " + instance.id() + " has no state");
    }
    Object state = codec.decode(WorkflowDefinition.stateName(name()), instance.stateRevision(), bytes);
    if (!definition.stateType().isInstance(state)) {
      throw new IllegalStateException("workflow " + name() + " " + instance.id() + ": the codec decoded"
          + " its state as a " + state.getClass().getName() + ", not a " + definition.stateType().getName()
          + ": register " + WorkflowDefinition.stateName(name()) + " with the state type");
    }
    return definition.stateType().cast(state);
  }
}
