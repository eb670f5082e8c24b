package dev.fabula.event;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * String key/value context travelling with an event or a command: correlation id, causation id,
 * user, tenant and whatever else the application needs. Immutable.
 *
 * @param values the entries; copied, never null
 */
public record Metadata(Map<String, String> values) {
  /** Key of the id shared by every message caused, directly or not, by one original request. */
  public static final String CORRELATION_ID = "correlationId";

  /** Key of the id of the message (usually a command) that directly caused this one. */
  public static final String CAUSATION_ID = "causationId";

  private static final Metadata EMPTY = new Metadata(Map.of());

  /** Copies the entries, rejecting null keys and values. */
  public Metadata {
    Objects.requireNonNull(values, "values");
    values = Map.copyOf(values);
  }

  /** Metadata with no entries. */
  public static Metadata empty() {
    return EMPTY;
  }

  /** Metadata with one entry. */
  public static Metadata of(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return new Metadata(Map.of(key, value));
  }

  /** The value of {@code key}, if present. */
  public Optional<String> get(String key) {
    Objects.requireNonNull(key, "key");
    return Optional.ofNullable(values.get(key));
  }

  /** The correlation id, if present. */
  public Optional<String> correlationId() {
    return get(CORRELATION_ID);
  }

  /** The causation id, if present. */
  public Optional<String> causationId() {
    return get(CAUSATION_ID);
  }

  /** A copy with {@code key} set to {@code value}. */
  public Metadata with(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    var copy = new LinkedHashMap<>(values);
    copy.put(key, value);
    return new Metadata(copy);
  }

  /** A copy holding these entries, then {@code other}'s entries, which win on equal keys. */
  public Metadata merge(Metadata other) {
    Objects.requireNonNull(other, "other");
    if (other.values.isEmpty()) {
      return this;
    }
    if (values.isEmpty()) {
      return other;
    }
    var copy = new LinkedHashMap<>(values);
    copy.putAll(other.values);
    return new Metadata(copy);
  }

  /** Whether there are no entries. */
  public boolean isEmpty() {
    return values.isEmpty();
  }
}
