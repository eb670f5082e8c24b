package dev.fabula.workflow;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The deterministic, name-based ids of workflows: instances by key, and effects. */
final class Ids {
  private Ids() {}

  /** The id of the instance of {@code workflow} for business key {@code key}. */
  static UUID forKey(String workflow, String key) {
    return nameBased("fabula.workflow.key", workflow, key);
  }

  /** The id of the effect {@code kind}/{@code key} recorded by {@code workflowId} for {@code triggerId}. */
  static UUID effect(UUID workflowId, UUID triggerId, String kind, String key) {
    return nameBased("fabula.workflow.effect", workflowId.toString(), triggerId.toString(), kind, key);
  }

  private static UUID nameBased(String... parts) {
    // Parts are joined with their lengths, so no two different part lists give the same bytes.
    StringBuilder text = new StringBuilder();
    for (String part : parts) {
      text.append(part.length()).append(':').append(part);
    }
    return UUID.nameUUIDFromBytes(text.toString().getBytes(StandardCharsets.UTF_8));
  }
}
