package dev.fabula.workflow;

import dev.fabula.codec.Codec;
import dev.fabula.command.AggregateTarget;
import dev.fabula.command.Command;
import dev.fabula.event.Metadata;
import dev.fabula.spi.WorkflowProtocol.RecordedCommand;
import dev.fabula.spi.WorkflowProtocol.RecordedTimeout;
import dev.fabula.spi.WorkflowProtocol.Transitioned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The context of one reaction: collects its decisions, then becomes a {@link Transitioned}. */
final class Transition<S> implements WorkflowContext<S> {
  private final WorkflowDefinition<S> definition;
  private final UUID id;
  private final UUID triggerId;
  private final String triggerName;
  private final Instant now;
  private final Codec codec;
  private final Map<String, Command<?>> commands = new LinkedHashMap<>();
  private final Map<String, RecordedCommand> encoded = new LinkedHashMap<>();
  private final Map<String, RecordedTimeout> schedules = new LinkedHashMap<>();
  private final Set<String> unschedules = new LinkedHashSet<>();
  private WorkflowStatus status;
  private S state;
  private @Nullable String failureReason;

  Transition(
      WorkflowDefinition<S> definition,
      UUID id,
      UUID triggerId,
      String triggerName,
      WorkflowStatus status,
      S state,
      Instant now,
      Codec codec) {
    this.definition = definition;
    this.id = id;
    this.triggerId = triggerId;
    this.triggerName = triggerName;
    this.status = status;
    this.state = state;
    this.now = now;
    this.codec = codec;
  }

  @Override
  public UUID id() {
    return id;
  }

  @Override
  public WorkflowStatus status() {
    return status;
  }

  @Override
  public S state() {
    return state;
  }

  @Override
  public void state(S newState) {
    Objects.requireNonNull(newState, "newState");
    if (!definition.stateType().isInstance(newState)) {
      throw new IllegalArgumentException("workflow " + definition.name() + " keeps a "
          + definition.stateType().getName() + " as state, not a " + newState.getClass().getName());
    }
    state = newState;
  }

  @Override
  public Instant now() {
    return now;
  }

  @Override
  public void dispatch(String key, Command<?> command) {
    requireKey(key);
    Objects.requireNonNull(command, "command");
    UUID effectId = Ids.effect(id, triggerId, "command", key);
    Metadata metadata = command.metadata().with(Metadata.CAUSATION_ID, triggerId.toString());
    if (metadata.correlationId().isEmpty()) {
      metadata = metadata.with(Metadata.CORRELATION_ID, id.toString());
    }
    Command<?> recorded = command.withId(effectId).withMetadata(metadata);
    Command<?> earlier = commands.get(key);
    if (earlier != null) {
      if (!earlier.equals(recorded)) {
        throw new EffectConflictException(definition.name(), id, key, earlier + " and " + recorded);
      }
      return;
    }
    // Encoded now, so a command the codec cannot encode fails the reaction where it is dispatched.
    AggregateTarget target = recorded.aggregateOrNull();
    encoded.put(key, new RecordedCommand(
        effectId,
        key,
        recorded.name(),
        target == null ? null : target.name(),
        target == null ? null : target.id(),
        codec.registry().revision(recorded.name()),
        codec.encode(recorded.name(), recorded.payload()),
        recorded.metadata().values()));
    commands.put(key, recorded);
  }

  @Override
  public void schedule(String key, Instant due) {
    requireKey(key);
    Objects.requireNonNull(due, "due");
    if (!definition.hasTimeout(key)) {
      throw new IllegalArgumentException("workflow " + definition.name() + " has no reaction for"
          + " timeout '" + key + "': register one with onTimeout(\"" + key + "\", ...)");
    }
    if (status.isTerminal()) {
      throw new IllegalStateException("workflow " + definition.name() + " " + id + " is "
          + status + " in this transition: timeout '" + key + "' would never fire");
    }
    unschedules.remove(key);
    schedules.put(key, new RecordedTimeout(Ids.effect(id, triggerId, "timeout", key), key, due));
  }

  @Override
  public void unschedule(String key) {
    requireKey(key);
    schedules.remove(key);
    unschedules.add(key);
  }

  @Override
  public void complete() {
    move(WorkflowStatus.COMPLETED);
  }

  @Override
  public void fail(String reason) {
    Objects.requireNonNull(reason, "reason");
    move(WorkflowStatus.FAILED);
    failureReason = reason;
  }

  @Override
  public void compensate() {
    move(WorkflowStatus.COMPENSATING);
  }

  @Override
  public void compensated() {
    move(WorkflowStatus.COMPENSATED);
  }

  private void move(WorkflowStatus next) {
    if (!status.canMoveTo(next)) {
      throw new InvalidWorkflowTransitionException(definition.name(), id, status, next);
    }
    status = next;
  }

  private static void requireKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isBlank()) {
      throw new IllegalArgumentException("effect key must not be blank");
    }
  }

  /** The transition as the event to record, with the state and payloads encoded. */
  Transitioned toEvent() {
    String stateName = WorkflowDefinition.stateName(definition.name());
    byte[] encodedState = codec.encode(stateName, state);
    return new Transitioned(
        triggerId,
        triggerName,
        status.name(),
        failureReason,
        codec.registry().revision(stateName),
        encodedState,
        new ArrayList<>(encoded.values()),
        new ArrayList<>(schedules.values()),
        new ArrayList<>(unschedules));
  }
}
