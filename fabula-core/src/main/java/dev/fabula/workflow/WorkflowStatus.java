package dev.fabula.workflow;

import java.util.Objects;
import java.util.Set;

/**
 * Where a workflow instance stands. A workflow starts {@link #RUNNING}; from there it may end
 * {@link #COMPLETED} or {@link #FAILED}, or start {@link #COMPENSATING}, which ends {@link
 * #COMPENSATED} or {@link #FAILED}. No other change is allowed ({@link
 * InvalidWorkflowTransitionException}). An instance in a {@linkplain #isTerminal() terminal}
 * status ignores every further event and has no active timeout.
 */
public enum WorkflowStatus {
  /** Started and reacting to events ({@code reactsTo}). */
  RUNNING,
  /** Ended successfully. Terminal. */
  COMPLETED,
  /** Ended unsuccessfully. Terminal. */
  FAILED,
  /** Undoing what it did, reacting to {@code compensatesOn} events only. */
  COMPENSATING,
  /** Ended after compensating. Terminal. */
  COMPENSATED;

  /** Whether the status ends the workflow: it handles no more triggers. */
  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == COMPENSATED;
  }

  /** Whether a workflow in this status may move to {@code next}. */
  public boolean canMoveTo(WorkflowStatus next) {
    Objects.requireNonNull(next, "next");
    return switch (this) {
      case RUNNING -> Set.of(COMPLETED, FAILED, COMPENSATING).contains(next);
      case COMPENSATING -> next == COMPENSATED || next == FAILED;
      case COMPLETED, FAILED, COMPENSATED -> false;
    };
  }
}
