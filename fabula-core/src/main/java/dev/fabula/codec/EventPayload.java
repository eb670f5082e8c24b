package dev.fabula.codec;

import java.util.Map;
import java.util.Objects;

/**
 * A stored event as an {@link EventUpcaster} reads and returns it: its name, the revision of its
 * payload, and the payload as a JSON-like tree (maps with string keys, lists, strings, numbers,
 * booleans and nulls). The tree is not copied: an upcaster may change the one it is given and
 * return it.
 *
 * @param name the event name
 * @param revision the payload's revision under that name, at least 1
 * @param payload the payload tree
 */
public record EventPayload(String name, int revision, Map<String, Object> payload) {
  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException when the name is blank or the revision below 1
   */
  public EventPayload {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payload, "payload");
    if (name.isBlank()) {
      throw new IllegalArgumentException("event name must not be blank");
    }
    if (revision < 1) {
      throw new IllegalArgumentException("revision must be at least 1, got " + revision);
    }
  }
}
