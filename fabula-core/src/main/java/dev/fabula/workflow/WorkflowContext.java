package dev.fabula.workflow;

import dev.fabula.command.Command;
import java.time.Instant;
import java.util.UUID;

/**
 * What a reaction sees of its workflow instance, and how it decides. Every effect is only
 * <em>recorded</em> here: the runtime stores the whole transition atomically with the trigger's id
 * and executes the effects after the commit, so a reaction must not act on the world itself. A
 * reaction may run more than once for one trigger (when another instance committed first, it is
 * retried on fresh state and then finds the trigger handled); it records the same effects each
 * time, since effect ids are derived from the workflow id, the trigger id and the key.
 *
 * <p>Used by one thread, only during the reaction.
 *
 * @param <S> the workflow's state type
 */
public interface WorkflowContext<S> {
  /** The instance's id. */
  UUID id();

  /** The instance's status, with the changes made in this transition. */
  WorkflowStatus status();

  /** The instance's state, with the changes made in this transition. */
  S state();

  /** Replaces the state; it is encoded with the codec under {@code "<workflow name>:state"}. */
  void state(S newState);

  /** The service clock's time when the transition started. */
  Instant now();

  /**
   * Records a command to dispatch once the transition is committed. Its id becomes the effect id
   * (derived from workflow id, trigger id and {@code key}), its causation id the trigger's id, and
   * its correlation id, unless it carries one, the workflow's id. The command is dispatched at
   * least once, always with that id, so its handler can de-duplicate.
   *
   * @throws EffectConflictException when another command was dispatched under {@code key} in this
   *     transition
   * @throws dev.fabula.codec.UnknownNameException when the codec does not know the command's name
   */
  void dispatch(String key, Command<?> command);

  /**
   * Records a timeout {@code key} due at {@code due}; it replaces an active timeout of the same
   * key. When due, it runs the reaction registered with {@code onTimeout(key, ...)}, once, and
   * only if it is still active then (not unscheduled, replaced or ended by a terminal status).
   *
   * @throws IllegalArgumentException when the workflow has no {@code onTimeout} for {@code key}
   * @throws IllegalStateException when this transition already ended the workflow
   */
  void schedule(String key, Instant due);

  /** Cancels the active timeout {@code key}, if any (also one scheduled earlier in this transition). */
  void unschedule(String key);

  /**
   * Ends the workflow successfully: {@code RUNNING -> COMPLETED}.
   *
   * @throws InvalidWorkflowTransitionException when the status is not {@code RUNNING}
   */
  void complete();

  /**
   * Ends the workflow unsuccessfully: from {@code RUNNING} or {@code COMPENSATING} to {@code FAILED}.
   *
   * @throws InvalidWorkflowTransitionException when the status is terminal
   */
  void fail(String reason);

  /**
   * Starts compensating: {@code RUNNING -> COMPENSATING}. From then on the workflow reacts only to
   * its {@code compensatesOn} events and its timeouts.
   *
   * @throws InvalidWorkflowTransitionException when the status is not {@code RUNNING}
   */
  void compensate();

  /**
   * Ends the compensation: {@code COMPENSATING -> COMPENSATED}.
   *
   * @throws InvalidWorkflowTransitionException when the status is not {@code COMPENSATING}
   */
  void compensated();
}
