package dev.fabula.workflow;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Maps an event to the id of the workflow instance it concerns, or to nothing when it concerns
 * none (the event is then ignored, or reported in {@linkplain
 * WorkflowDefinition.Builder#strictCorrelation() strict} mode). Must be deterministic: every
 * instance of the service, and every replay, must map an event to the same id.
 *
 * @param <D> the type of the event's data
 */
@FunctionalInterface
public interface Correlator<D> {
  /** The instance {@code event} concerns, if any. */
  Optional<UUID> correlate(Event<D> event);

  /** The id of the aggregate the event belongs to; nothing for an event of no aggregate. */
  static <D> Correlator<D> byAggregateId() {
    return event -> Optional.ofNullable(event.aggregateOrNull()).map(AggregateRef::id);
  }

  /**
   * A deterministic name-based id made of the workflow's name and the business key {@code key}
   * returns (nothing when it returns {@code null}): events carrying the same key reach the same
   * instance, in every process. {@link WorkflowDefinition#idForKey} gives the same id.
   */
  static <D> Correlator<D> byKey(Function<? super Event<D>, @Nullable String> key) {
    return new ByKey<>(Objects.requireNonNull(key, "key"), null);
  }
}
