/**
 * Workflows (process managers, sagas): durable, event-sourced coordinators that react to events
 * from several aggregates, dispatch commands with deterministic ids, keep durable timeouts, and
 * recover after a crash or on another instance.
 *
 * <p>A {@link dev.fabula.workflow.WorkflowDefinition} declares which events start a workflow,
 * which it reacts to while running and while compensating, each with a {@link
 * dev.fabula.workflow.Correlator} finding the instance, and its timeout reactions. Reactions only
 * record decisions in a {@link dev.fabula.workflow.WorkflowContext}; a {@link
 * dev.fabula.workflow.WorkflowService} stores each transition as one event of the instance's
 * stream (with the trigger's id, so a trigger counts once) and then executes its effects:
 * commands at least once with their effect id as command id, timeouts at most once and only
 * while active. See {@code docs/adr/0020-workflows.md}.
 */
@NullMarked
package dev.fabula.workflow;

import org.jspecify.annotations.NullMarked;
