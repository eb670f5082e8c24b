package dev.fabula.codec;

import dev.fabula.spi.Settings;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Maps each event, command and snapshot name to the one Java type its payload decodes into, with
 * the payload's current revision and the upcasters that bring older revisions up to date.
 * Immutable and thread-safe; build one at start-up with {@link #builder()}.
 */
public final class CodecRegistry {
  /** Suffix of the names under which snapshot state types are registered. */
  public static final String SNAPSHOT_SUFFIX = ":snapshot";

  private final Map<String, Entry> entries;
  private final Map<Class<?>, String> namesByType;

  private record Entry(Class<?> type, int revision, Map<Integer, Upcaster> upcasters) {}

  private CodecRegistry(Map<String, Entry> entries) {
    this.entries = Map.copyOf(entries);
    var byType = new HashMap<Class<?>, String>();
    entries.forEach((name, e) -> byType.putIfAbsent(e.type(), name));
    this.namesByType = Map.copyOf(byType);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The name under which the snapshot state of aggregates named {@code aggregateName} is kept. */
  public static String snapshotName(String aggregateName) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    return aggregateName + SNAPSHOT_SUFFIX;
  }

  /**
   * The type registered for {@code name}.
   *
   * @throws UnknownNameException when the name is not registered
   */
  public Class<?> type(String name) {
    Objects.requireNonNull(name, "name");
    return entry(name).type();
  }

  /** The type registered for {@code name}, if any. */
  public Optional<Class<?>> findType(String name) {
    Objects.requireNonNull(name, "name");
    Entry e = entries.get(name);
    return e == null ? Optional.empty() : Optional.of(e.type());
  }

  /** The first name registered for {@code type}, if any. */
  public Optional<String> findName(Class<?> type) {
    Objects.requireNonNull(type, "type");
    return Optional.ofNullable(namesByType.get(type));
  }

  /**
   * The current payload revision of {@code name} (1 unless registered otherwise).
   *
   * @throws UnknownNameException when the name is not registered
   */
  public int revision(String name) {
    Objects.requireNonNull(name, "name");
    return entry(name).revision();
  }

  /** Whether {@code name} is registered. */
  public boolean contains(String name) {
    Objects.requireNonNull(name, "name");
    return entries.containsKey(name);
  }

  /** Every registered name. */
  public Set<String> names() {
    return entries.keySet();
  }

  /**
   * Checks that {@code data} may be encoded under {@code name}.
   *
   * @throws UnknownNameException when the name is not registered
   * @throws PayloadException when {@code data} is not an instance of the registered type
   */
  public void checkEncodable(String name, Object data) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(name, "name");
    Class<?> type = type(name);
    if (!type.isInstance(data)) {
      throw new PayloadException(
          name,
          "expected " + type.getName() + " but got " + data.getClass().getName());
    }
  }

  /**
   * Brings a payload tree from {@code revision} up to the current revision of {@code name}.
   *
   * @throws PayloadException when the revision is newer than the current one or an upcaster step
   *     is missing
   */
  public Map<String, Object> upcast(String name, int revision, Map<String, Object> payload) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payload, "payload");
    Entry e = entry(name);
    if (revision > e.revision() || revision < 1) {
      throw new PayloadException(
          name,
          "stored revision " + revision + " is not between 1 and the current " + e.revision());
    }
    Map<String, Object> current = payload;
    for (int r = revision; r < e.revision(); r++) {
      Upcaster step = e.upcasters().get(r);
      if (step == null) {
        throw new PayloadException(
            name, "no upcaster from revision " + r + " to " + (r + 1) + " is registered");
      }
      current = Objects.requireNonNull(step.upcast(current), "upcaster result");
    }
    return current;
  }

  private Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new UnknownNameException(name);
    }
    return e;
  }

  /**
   * Collects registrations; each name, and each upcaster step, may be registered once: a second
   * registration fails at once with an {@link IllegalStateException} naming both.
   */
  public static final class Builder {
    private final Map<String, Class<?>> types = new LinkedHashMap<>();
    private final Map<String, Integer> revisions = new HashMap<>();
    private final Map<String, Map<Integer, Upcaster>> upcasters = new HashMap<>();

    private Builder() {}

    /** Registers {@code type} for {@code name} at revision 1. */
    public Builder register(String name, Class<?> type) {
      return register(name, type, 1);
    }

    /**
     * Registers {@code type} for {@code name}, whose payloads are now at {@code revision}.
     *
     * @throws IllegalArgumentException when the name is blank or the revision is below 1
     * @throws IllegalStateException when the name is already registered
     */
    public Builder register(String name, Class<?> type, int revision) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      if (revision < 1) {
        throw new IllegalArgumentException("revision must be at least 1, got " + revision);
      }
      Class<?> earlier = types.get(name);
      if (earlier != null) {
        throw Settings.repeated(
            Settings.call("register", name, earlier, revisions.get(name)),
            Settings.call("register", name, type, revision));
      }
      if (type.isPrimitive() || type.isInterface() && !type.isSealed()) {
        throw new IllegalArgumentException(
            "'" + name + "' needs a concrete type (a record or class), got " + type.getName());
      }
      types.put(name, type);
      revisions.put(name, revision);
      return this;
    }

    /** Registers the snapshot state type of aggregates named {@code aggregateName}. */
    public Builder registerSnapshot(String aggregateName, Class<?> stateType) {
      Objects.requireNonNull(aggregateName, "aggregateName");
      Objects.requireNonNull(stateType, "stateType");
      return register(snapshotName(aggregateName), stateType);
    }

    /**
     * Registers the step that turns payloads of {@code name} at {@code fromRevision} into the
     * shape of {@code fromRevision + 1}.
     *
     * @throws IllegalStateException when that step is already registered
     */
    public Builder upcaster(String name, int fromRevision, Upcaster upcaster) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(upcaster, "upcaster");
      var steps = upcasters.computeIfAbsent(name, n -> new HashMap<>());
      Upcaster earlier = steps.putIfAbsent(fromRevision, upcaster);
      if (earlier != null) {
        // The two calls differ only in their upcasters: name each (a lambda by its class).
        throw Settings.repeated(
            Settings.call("upcaster", name, fromRevision, earlier),
            Settings.call("upcaster", name, fromRevision, upcaster));
      }
      return this;
    }

    /**
     * The registry.
     *
     * @throws IllegalStateException when an upcaster is registered for an unknown name or for a
     *     revision at or beyond the name's current one
     */
    public CodecRegistry build() {
      upcasters.forEach(
          (name, steps) -> {
            Integer current = revisions.get(name);
            if (current == null) {
              throw new IllegalStateException("upcaster registered for unknown name '" + name + "'");
            }
            steps.keySet().stream()
                .filter(r -> r < 1 || r >= current)
                .findAny()
                .ifPresent(
                    r -> {
                      throw new IllegalStateException(
                          "upcaster for '" + name + "' from revision " + r
                              + " does not lead to a revision at or below the current " + current);
                    });
          });
      var entries = new LinkedHashMap<String, Entry>();
      types.forEach(
          (name, type) ->
              entries.put(
                  name,
                  new Entry(
                      type, revisions.get(name), Map.copyOf(upcasters.getOrDefault(name, Map.of())))));
      return new CodecRegistry(entries);
    }
  }
}
