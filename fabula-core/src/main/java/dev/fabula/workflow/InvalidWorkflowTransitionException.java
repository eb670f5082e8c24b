package dev.fabula.workflow;

import dev.fabula.FabulaException;
import java.util.Objects;
import java.util.UUID;

/**
 * A reaction asked for a status change that {@link WorkflowStatus} does not allow (completing a
 * compensating workflow, compensating a completed one, ...). Nothing of the transition is
 * recorded; the trigger is reported as failed.
 */
public final class InvalidWorkflowTransitionException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String workflow;
  private final UUID workflowId;
  private final WorkflowStatus from;
  private final WorkflowStatus to;

  /** Creates the exception for workflow {@code workflow} instance {@code workflowId}. */
  public InvalidWorkflowTransitionException(
      String workflow, UUID workflowId, WorkflowStatus from, WorkflowStatus to) {
    super("workflow " + Objects.requireNonNull(workflow, "workflow") + " "
        + Objects.requireNonNull(workflowId, "workflowId") + " cannot move from "
        + Objects.requireNonNull(from, "from") + " to " + Objects.requireNonNull(to, "to")
        + ": allowed are RUNNING -> COMPLETED, FAILED or COMPENSATING, and COMPENSATING ->"
        + " COMPENSATED or FAILED");
    this.workflow = workflow;
    this.workflowId = workflowId;
    this.from = from;
    this.to = to;
  }

  /** The workflow's name. */
  public String workflow() {
    return workflow;
  }

  /** The instance's id. */
  public UUID workflowId() {
    return workflowId;
  }

  /** The status the instance was in. */
  public WorkflowStatus from() {
    return from;
  }

  /** The status asked for. */
  public WorkflowStatus to() {
    return to;
  }
}
