package dev.fabula.workflow;

import dev.fabula.event.Event;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** {@link Correlator#byKey}: bound to its workflow's name when registered. */
record ByKey<D>(Function<? super Event<D>, @Nullable String> key, @Nullable String workflow)
    implements Correlator<D> {
  ByKey<D> boundTo(String workflowName) {
    return new ByKey<>(key, workflowName);
  }

  @Override
  public Optional<UUID> correlate(Event<D> event) {
    if (workflow == null) {
      throw new IllegalStateException(
          "a Correlator.byKey needs its workflow's name: register it in a WorkflowDefinition");
    }
    String k = key.apply(event);
    return k == null ? Optional.empty() : Optional.of(Ids.forKey(workflow, k));
  }
}
