package dev.fabula.projection;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.spi.Settings;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * A built-in projection mapping values to aggregate ids and back — e.g. a customer's email to the
 * customer's id, to check that an email is unused or to find a customer by email — kept current
 * from events.
 *
 * <p>Entries are keyed by aggregate name and a key (such as {@code "email"}): for each, an aggregate
 * id maps to one value and a value to one aggregate id. Register, per event name, what the event
 * provides for <em>its</em> aggregate:
 *
 * <pre>{@code
 * Lookup emails = Lookup.builder()
 *     .on("customer.registered", Registered.class, (data, entry) -> entry.set("email", data.email()))
 *     .on("customer.email-changed", EmailChanged.class, (data, entry) -> entry.set("email", data.to()))
 *     .on("customer.deleted", Deleted.class, (data, entry) -> entry.remove("email"))
 *     .build();
 * schedule.project(emails);
 * Optional<UUID> owner = emails.aggregateId("customer", "email", "ada@example.com");
 * }</pre>
 *
 * <p>Setting a new value for an aggregate drops its old value's reverse entry. If two aggregates
 * claim one value, the reverse entry points to the later one. Events without an aggregate are
 * ignored. The lookup is {@link ProgressAware}, {@link Reapplicable} (a dead letter can be retried)
 * and {@link Resettable}; reads are thread-safe and never block.
 */
public final class Lookup implements Projection, Reapplicable, Resettable, Guarded {
  private final Map<String, BiConsumer<Object, Entry>> providers;
  private final String name;
  private final ConcurrentHashMap<Forward, Object> values = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Reverse, UUID> ids = new ConcurrentHashMap<>();
  private volatile long progress;

  private record Forward(String aggregateName, String key, UUID id) {}

  private record Reverse(String aggregateName, String key, Object value) {}

  private Lookup(Map<String, BiConsumer<Object, Entry>> providers, @Nullable String name) {
    this.providers = Map.copyOf(providers);
    this.name = name != null ? name : "lookup" + new java.util.TreeSet<>(providers.keySet());
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The event names the lookup reads: what its schedule subscribes to. */
  public Set<String> eventNames() {
    return providers.keySet();
  }

  /** The value of {@code key} for the aggregate, if set. */
  public Optional<Object> value(String aggregateName, String key, UUID aggregateId) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(aggregateId, "aggregateId");
    return Optional.ofNullable(values.get(new Forward(aggregateName, key, aggregateId)));
  }

  /** The id of the aggregate whose {@code key} is {@code value}, if any. */
  public Optional<UUID> aggregateId(String aggregateName, String key, Object value) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return Optional.ofNullable(ids.get(new Reverse(aggregateName, key, value)));
  }

  @Override
  public boolean accepts(Event<?> event) {
    Objects.requireNonNull(event, "event");
    return event.aggregateOrNull() != null && providers.containsKey(event.name());
  }

  @Override
  public void apply(Event<?> event) {
    Objects.requireNonNull(event, "event");
    AggregateRef ref = event.aggregateOrNull();
    BiConsumer<Object, Entry> provider = providers.get(event.name());
    if (ref == null || provider == null) {
      return;
    }
    var entry = new Entry(ref.name(), ref.id());
    provider.accept(event.data(), entry);
    entry.commit();
  }

  /** Applies {@code event} like {@link #apply}; the progress stays (a dead letter's retry). */
  @Override
  public void reapply(Event<?> event) {
    apply(event);
  }

  @Override
  public String projectionName() {
    return name;
  }

  @Override
  public long progress() {
    return progress;
  }

  @Override
  public void progress(long position) {
    progress = position;
  }

  @Override
  public void reset() {
    values.clear();
    ids.clear();
    progress = 0;
  }

  /**
   * What one event provides for its aggregate. Changes take effect when the provider returned
   * without throwing, so a failing provider changes nothing.
   */
  public final class Entry {
    private final String aggregateName;
    private final UUID aggregateId;
    private final Map<String, Optional<Object>> changes = new HashMap<>();

    private Entry(String aggregateName, UUID aggregateId) {
      this.aggregateName = aggregateName;
      this.aggregateId = aggregateId;
    }

    /** Sets the aggregate's {@code key} to {@code value}. */
    public void set(String key, Object value) {
      changes.put(Objects.requireNonNull(key, "key"), Optional.of(Objects.requireNonNull(value, "value")));
    }

    /** Removes the aggregate's {@code key}. */
    public void remove(String key) {
      changes.put(Objects.requireNonNull(key, "key"), Optional.empty());
    }

    private void commit() {
      changes.forEach(
          (key, value) -> {
            var forward = new Forward(aggregateName, key, aggregateId);
            Object old = value.isPresent() ? values.put(forward, value.get()) : values.remove(forward);
            if (old != null) {
              ids.remove(new Reverse(aggregateName, key, old), aggregateId);
            }
            value.ifPresent(v -> ids.put(new Reverse(aggregateName, key, v), aggregateId));
          });
    }
  }

  /**
   * Builds a {@link Lookup}: one provider per event name. A second name, or a second provider for
   * an event name, fails at once with an {@link IllegalStateException} naming both calls.
   */
  public static final class Builder {
    private final Map<String, BiConsumer<Object, Entry>> providers = new HashMap<>();
    /** The data type each event name was registered with, to name both calls of a repeat. */
    private final Map<String, Class<?>> dataTypes = new HashMap<>();
    private @Nullable String name;

    private Builder() {}

    /**
     * The name in failures, logs and dead letters (by default {@code lookup} and its event names).
     *
     * @throws IllegalArgumentException when the name is blank
     * @throws IllegalStateException when a name is already set
     */
    public Builder name(String value) {
      Objects.requireNonNull(value, "name");
      if (value.isBlank()) {
        throw new IllegalArgumentException("lookup name must not be blank");
      }
      Settings.requireUnset(name != null, "name", name, value);
      name = value;
      return this;
    }

    /**
     * Registers what events named {@code eventName}, with data of {@code dataType}, provide for
     * their aggregate.
     *
     * @throws IllegalStateException when the event name already has a provider
     */
    public <D> Builder on(String eventName, Class<D> dataType, BiConsumer<? super D, Entry> provider) {
      Objects.requireNonNull(eventName, "eventName");
      Objects.requireNonNull(dataType, "dataType");
      Objects.requireNonNull(provider, "provider");
      BiConsumer<Object, Entry> typed =
          (data, entry) -> {
            if (!dataType.isInstance(data)) {
              throw new ClassCastException(
                  "event " + eventName + " carries " + data.getClass().getName()
                      + " but its lookup provider expects " + dataType.getName());
            }
            provider.accept(dataType.cast(data), entry);
          };
      Class<?> earlier = dataTypes.putIfAbsent(eventName, dataType);
      if (earlier != null) {
        throw Settings.repeated(onCall(eventName, earlier), onCall(eventName, dataType));
      }
      providers.put(eventName, typed);
      return this;
    }

    /** The call {@code on("name", Type.class, …)} as a message names it. */
    private static String onCall(String eventName, Class<?> dataType) {
      return "on(\"" + eventName + "\", " + dataType.getName() + ".class, …)";
    }

    /**
     * The lookup.
     *
     * @throws IllegalStateException when no provider was registered
     */
    public Lookup build() {
      if (providers.isEmpty()) {
        throw new IllegalStateException("a lookup needs at least one event provider");
      }
      return new Lookup(providers, name);
    }
  }
}
