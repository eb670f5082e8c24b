package dev.fabula.workflow;

import dev.fabula.FabulaException;
import java.util.Objects;
import java.util.UUID;

/**
 * A reaction dispatched two different commands under one key in one transition. A key names one
 * effect: its id is derived from the workflow id, the trigger id and the key, so two different
 * commands under it would share a command id. Use distinct keys. Dispatching an equal command
 * again under the same key is allowed and records it once.
 */
public final class EffectConflictException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String workflow;
  private final UUID workflowId;
  private final String key;

  /** Creates the exception for {@code key} in workflow {@code workflow} instance {@code workflowId}. */
  public EffectConflictException(String workflow, UUID workflowId, String key, String detail) {
    super("workflow " + Objects.requireNonNull(workflow, "workflow") + " "
        + Objects.requireNonNull(workflowId, "workflowId") + " dispatched two different commands"
        + " under key '" + Objects.requireNonNull(key, "key") + "' in one transition ("
        + Objects.requireNonNull(detail, "detail") + "): give each command its own key");
    this.workflow = workflow;
    this.workflowId = workflowId;
    this.key = key;
  }

  /** The workflow's name. */
  public String workflow() {
    return workflow;
  }

  /** The instance's id. */
  public UUID workflowId() {
    return workflowId;
  }

  /** The key used twice. */
  public String key() {
    return key;
  }
}
