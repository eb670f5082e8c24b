package dev.fabula.workflow;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.Event;
import dev.fabula.spi.WorkflowProtocol;
import dev.fabula.spi.WorkflowProtocol.CommandDispatched;
import dev.fabula.spi.WorkflowProtocol.RecordedCommand;
import dev.fabula.spi.WorkflowProtocol.RecordedTimeout;
import dev.fabula.spi.WorkflowProtocol.Transitioned;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A workflow instance as an event-sourced aggregate: the triggers it handled, its status and
 * encoded state, the commands recorded and not yet dispatched, and its active timeouts. Each
 * transition is one {@link Transitioned} event, so the store's version check lets one writer
 * record a trigger, and the handled set makes every later attempt a no-op.
 */
final class WorkflowInstance extends AggregateRoot {
  /** A command recorded at {@code recordedAt} and not yet marked dispatched. */
  record Pending(RecordedCommand command, Instant recordedAt) {}

  private final Set<UUID> handled = new HashSet<>();
  private final Map<UUID, Pending> pending = new LinkedHashMap<>();
  private final Map<String, RecordedTimeout> timeouts = new LinkedHashMap<>();
  private @Nullable WorkflowStatus status;
  private int stateRevision;
  private byte @Nullable [] state;

  WorkflowInstance(String aggregateName, UUID id, InstantSource clock) {
    super(aggregateName, id, clock);
  }

  @Override
  protected void apply(Event<?> event) {
    switch (event.data()) {
      case Transitioned t -> applyTransition(t, event.time());
      case CommandDispatched d -> pending.remove(d.effectId());
      default ->
          throw new IllegalStateException("workflow stream " + name() + " " + id()
              + " holds event " + event.id() + " named " + event.name() + " carrying a "
              + event.data().getClass().getName() + ": only workflow events belong there");
    }
  }

  private void applyTransition(Transitioned t, Instant time) {
    handled.add(t.triggerId());
    status = WorkflowStatus.valueOf(t.status());
    stateRevision = t.stateRevision();
    state = t.state();
    for (RecordedCommand c : t.commands()) {
      pending.put(c.effectId(), new Pending(c, time));
    }
    // A fired timeout is consumed by its own transition.
    timeouts.values().removeIf(timer -> timer.effectId().equals(t.triggerId()));
    for (String key : t.unschedules()) {
      timeouts.remove(key);
    }
    for (RecordedTimeout timer : t.schedules()) {
      timeouts.put(timer.key(), timer);
    }
    if (status.isTerminal()) {
      timeouts.clear();
    }
  }

  void record(Transitioned transition) {
    raise(WorkflowProtocol.TRANSITIONED, transition);
  }

  /** Records that command {@code effectId} was dispatched, unless it is no longer pending. */
  boolean markDispatched(UUID effectId) {
    if (!pending.containsKey(effectId)) {
      return false;
    }
    raise(WorkflowProtocol.COMMAND_DISPATCHED, new CommandDispatched(effectId));
    return true;
  }

  boolean started() {
    return status != null;
  }

  boolean handled(UUID triggerId) {
    return handled.contains(triggerId);
  }

  @Nullable WorkflowStatus status() {
    return status;
  }

  int stateRevision() {
    return stateRevision;
  }

  byte @Nullable [] state() {
    return state;
  }

  Collection<Pending> pending() {
    return pending.values();
  }

  Collection<RecordedTimeout> timeouts() {
    return timeouts.values();
  }

  @Nullable RecordedTimeout timeout(String key) {
    return timeouts.get(key);
  }
}
