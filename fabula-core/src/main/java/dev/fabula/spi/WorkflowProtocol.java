package dev.fabula.spi;

import dev.fabula.codec.CodecRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Defines the events that make up a workflow instance's stream (aggregate name {@code
 * "workflow:<name>"}): one {@value #TRANSITIONED} per handled trigger, recording everything the
 * workflow decided, and one {@value #COMMAND_DISPATCHED} per command once it was handed to the
 * command bus.
 *
 * <p>User data (the workflow's state, the commands' payloads) travels as bytes encoded by the
 * application's codec under a registered name, as {@link CommandProtocol} does, so these records
 * hold only strings, UUIDs, numbers, instants, byte arrays, string maps and lists of such records
 * and need no polymorphic typing. Applications register them through {@code
 * dev.fabula.workflow.WorkflowService#registerProtocol}. The record shapes are a stored format:
 * changing one needs an upcaster for the streams already written.
 */
public final class WorkflowProtocol {
  /** Name of the event recording one handled trigger and its effects. */
  public static final String TRANSITIONED = "fabula.workflow.transitioned";

  /** Name of the event recording that a command was handed to the command bus. */
  public static final String COMMAND_DISPATCHED = "fabula.workflow.command-dispatched";

  private WorkflowProtocol() {}

  /** Registers the protocol's event names and types in {@code registry}, and returns it. */
  public static CodecRegistry.Builder register(CodecRegistry.Builder registry) {
    Objects.requireNonNull(registry, "registry");
    return registry
        .register(TRANSITIONED, Transitioned.class)
        .register(COMMAND_DISPATCHED, CommandDispatched.class);
  }

  /**
   * One handled trigger: the workflow's status and state after it, and the effects it recorded.
   *
   * @param triggerId the id of the event handled, or the effect id of the timeout that fired
   * @param triggerName the event's name, or {@code "timeout:<key>"}
   * @param status the status after the transition (a {@code WorkflowStatus} name)
   * @param failureReason why the workflow failed, when this transition failed it; else {@code null}
   * @param stateRevision the revision the state was encoded in
   * @param state the state after the transition, encoded under {@code "<workflow name>:state"}
   * @param commands the commands to dispatch
   * @param schedules the timeouts to schedule (a key scheduled again replaces its timeout)
   * @param unschedules the keys of the timeouts to cancel
   */
  public record Transitioned(
      UUID triggerId,
      String triggerName,
      String status,
      @Nullable String failureReason,
      int stateRevision,
      byte[] state,
      List<RecordedCommand> commands,
      List<RecordedTimeout> schedules,
      List<String> unschedules) {
    /** Validates the record and copies the lists. */
    public Transitioned {
      Objects.requireNonNull(triggerId, "triggerId");
      Objects.requireNonNull(triggerName, "triggerName");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(state, "state");
      commands = List.copyOf(Objects.requireNonNull(commands, "commands"));
      schedules = List.copyOf(Objects.requireNonNull(schedules, "schedules"));
      unschedules = List.copyOf(Objects.requireNonNull(unschedules, "unschedules"));
    }
  }

  /**
   * A command a workflow decided to dispatch.
   *
   * @param effectId the deterministic effect id, which is also the command's id
   * @param key the key the workflow dispatched it under
   * @param name the command's name
   * @param aggregateName the target aggregate's name, or {@code null}
   * @param aggregateId the target aggregate's id, or {@code null}
   * @param payloadRevision the revision the payload was encoded in
   * @param payload the payload, encoded by the codec under {@code name}
   * @param metadata the command's metadata
   */
  public record RecordedCommand(
      UUID effectId,
      String key,
      String name,
      @Nullable String aggregateName,
      @Nullable UUID aggregateId,
      int payloadRevision,
      byte[] payload,
      Map<String, String> metadata) {
    /** Validates the record and copies the metadata. */
    public RecordedCommand {
      Objects.requireNonNull(effectId, "effectId");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(payload, "payload");
      metadata = Map.copyOf(Objects.requireNonNull(metadata, "metadata"));
      if ((aggregateName == null) != (aggregateId == null)) {
        throw new IllegalArgumentException("aggregate name and id must be both set or both null");
      }
    }
  }

  /**
   * A timeout a workflow scheduled.
   *
   * @param effectId the deterministic effect id: the trigger id of the transition that fires it
   * @param key the timeout's key
   * @param due when it is due
   */
  public record RecordedTimeout(UUID effectId, String key, Instant due) {
    /** Validates the record. */
    public RecordedTimeout {
      Objects.requireNonNull(effectId, "effectId");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(due, "due");
    }
  }

  /**
   * A recorded command was handed to the command bus.
   *
   * @param effectId the command's effect id
   */
  public record CommandDispatched(UUID effectId) {
    /** Validates the record. */
    public CommandDispatched {
      Objects.requireNonNull(effectId, "effectId");
    }
  }
}
