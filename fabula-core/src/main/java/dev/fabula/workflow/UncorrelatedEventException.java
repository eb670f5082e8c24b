package dev.fabula.workflow;

import dev.fabula.FabulaException;
import java.util.Objects;
import java.util.UUID;

/**
 * A workflow with {@link WorkflowDefinition.Builder#strictCorrelation() strict correlation} got an
 * event its correlator mapped to no instance. Reported to the service's failure handler; the
 * workflow's intake stops at that event (nothing is skipped silently) until the correlator is
 * fixed and the service restarted.
 */
public final class UncorrelatedEventException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String workflow;
  private final UUID eventId;
  private final String eventName;

  /** Creates the exception for event {@code eventId} named {@code eventName}. */
  public UncorrelatedEventException(String workflow, UUID eventId, String eventName) {
    super("workflow " + Objects.requireNonNull(workflow, "workflow") + " correlates strictly, but"
        + " its correlator for '" + Objects.requireNonNull(eventName, "eventName")
        + "' found no instance for event " + Objects.requireNonNull(eventId, "eventId"));
    this.workflow = workflow;
    this.eventId = eventId;
    this.eventName = eventName;
  }

  /** The workflow's name. */
  public String workflow() {
    return workflow;
  }

  /** The event's id. */
  public UUID eventId() {
    return eventId;
  }

  /** The event's name. */
  public String eventName() {
    return eventName;
  }
}
