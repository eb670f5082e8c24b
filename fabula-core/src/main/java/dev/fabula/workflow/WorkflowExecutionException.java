package dev.fabula.workflow;

import dev.fabula.FabulaException;
import java.util.Objects;
import java.util.UUID;

/**
 * Reported to a {@link WorkflowService}'s failure handler when the runtime could not execute an
 * effect of a workflow instance: a recorded command that could not be dispatched or marked (it
 * stays pending and is dispatched again, with the same id, after the takeover grace), or a due
 * timeout whose firing failed (it stays active and is tried again at the next resync). The cause
 * says why.
 */
public final class WorkflowExecutionException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String workflow;
  private final UUID workflowId;

  /** Creates the exception for instance {@code workflowId} of workflow {@code workflow}. */
  public WorkflowExecutionException(String workflow, UUID workflowId, String what, Throwable cause) {
    super("workflow " + Objects.requireNonNull(workflow, "workflow") + " "
        + Objects.requireNonNull(workflowId, "workflowId") + ": " + Objects.requireNonNull(what, "what")
        + ": " + Objects.requireNonNull(cause, "cause"), cause);
    this.workflow = workflow;
    this.workflowId = workflowId;
  }

  /** The workflow's name. */
  public String workflow() {
    return workflow;
  }

  /** The instance's id. */
  public UUID workflowId() {
    return workflowId;
  }
}
