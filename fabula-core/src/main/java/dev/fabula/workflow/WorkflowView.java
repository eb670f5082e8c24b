package dev.fabula.workflow;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A workflow instance as stored, read with {@link WorkflowService#find}.
 *
 * @param id the instance's id
 * @param status its status
 * @param state its state, decoded
 * @param timeouts its active timeouts: key to due time
 * @param pendingCommands the ids of the commands recorded and not yet marked dispatched
 * @param version the version of its stream
 * @param <S> the state type
 */
public record WorkflowView<S>(
    UUID id,
    WorkflowStatus status,
    S state,
    Map<String, Instant> timeouts,
    Set<UUID> pendingCommands,
    int version) {
  /** Validates the view and copies its collections. */
  public WorkflowView {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(state, "state");
    timeouts = Map.copyOf(Objects.requireNonNull(timeouts, "timeouts"));
    pendingCommands = Set.copyOf(Objects.requireNonNull(pendingCommands, "pendingCommands"));
  }
}
