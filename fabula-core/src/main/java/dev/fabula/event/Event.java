package dev.fabula.event;

import dev.fabula.spi.UuidV7;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Something that happened, immutable. An event has a time-ordered id (UUIDv7), a name that the
 * {@linkplain dev.fabula.codec.CodecRegistry codec registry} maps to the type of its data, a time
 * with nanosecond precision that every backend stores exactly, its typed data, optionally the
 * aggregate it belongs to (name, id and version), and {@link Metadata}.
 *
 * <p>Once stored, an event also has a {@linkplain #position() global position}, assigned by the
 * event store: strictly increasing in commit order as seen by a catch-up reader. Before it is
 * stored the position is {@code 0}.
 *
 * <p>Create events with {@link #create(String, Object)} and the {@code with…} methods; each returns
 * a new event.
 *
 * @param <D> the type of the event's data
 */
public final class Event<D> {
  private final UUID id;
  private final String name;
  private final Instant time;
  private final D data;
  private final @Nullable AggregateRef aggregate;
  private final Metadata metadata;
  private final long position;

  private Event(
      UUID id,
      String name,
      Instant time,
      D data,
      @Nullable AggregateRef aggregate,
      Metadata metadata,
      long position) {
    this.id = id;
    this.name = name;
    this.time = time;
    this.data = data;
    this.aggregate = aggregate;
    this.metadata = metadata;
    this.position = position;
  }

  /**
   * A new event with a fresh UUIDv7 id, the current time, no aggregate and empty metadata.
   *
   * @throws IllegalArgumentException when the name is blank
   */
  public static <D> Event<D> create(String name, D data) {
    return of(UuidV7.next(), name, Instant.now(), data, null, Metadata.empty(), 0);
  }

  /**
   * An event with every field given, as a store rebuilds it from storage.
   *
   * @param aggregate the aggregate reference, or {@code null} for an event without aggregate
   * @param position the global position, or {@code 0} when not stored
   * @throws IllegalArgumentException when the name is blank or the position negative
   */
  public static <D> Event<D> of(
      UUID id,
      String name,
      Instant time,
      D data,
      @Nullable AggregateRef aggregate,
      Metadata metadata,
      long position) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(metadata, "metadata");
    if (name.isBlank()) {
      throw new IllegalArgumentException("event name must not be blank");
    }
    if (position < 0) {
      throw new IllegalArgumentException("position must not be negative, got " + position);
    }
    return new Event<>(id, name, time, data, aggregate, metadata, position);
  }

  /** The event's id, unique across the store. */
  public UUID id() {
    return id;
  }

  /** The event's name, e.g. {@code "product.created"}. */
  public String name() {
    return name;
  }

  /** When the event happened, to the nanosecond. */
  public Instant time() {
    return time;
  }

  /** The event's typed data. */
  public D data() {
    return data;
  }

  /** The aggregate this event belongs to, if any. */
  public Optional<AggregateRef> aggregate() {
    return Optional.ofNullable(aggregate);
  }

  /** The aggregate reference, or {@code null}: for hot paths that avoid the Optional. */
  public @Nullable AggregateRef aggregateOrNull() {
    return aggregate;
  }

  /** The event's metadata. */
  public Metadata metadata() {
    return metadata;
  }

  /** The global position assigned by the store, or {@code 0} if the event is not stored. */
  public long position() {
    return position;
  }

  /** A copy with another id. */
  public Event<D> withId(UUID newId) {
    return of(newId, name, time, data, aggregate, metadata, position);
  }

  /** A copy with another time. */
  public Event<D> withTime(Instant newTime) {
    return of(id, name, newTime, data, aggregate, metadata, position);
  }

  /** A copy belonging to the given aggregate at the given version. */
  public Event<D> withAggregate(String aggregateName, UUID aggregateId, int version) {
    return withAggregate(new AggregateRef(aggregateName, aggregateId, version));
  }

  /** A copy belonging to the given aggregate reference. */
  public Event<D> withAggregate(AggregateRef ref) {
    return of(id, name, time, data, Objects.requireNonNull(ref, "aggregate"), metadata, position);
  }

  /** A copy with the given metadata replacing the current one. */
  public Event<D> withMetadata(Metadata newMetadata) {
    return of(id, name, time, data, aggregate, newMetadata, position);
  }

  /** A copy with the given global position (used by stores). */
  public Event<D> withPosition(long newPosition) {
    return of(id, name, time, data, aggregate, metadata, newPosition);
  }

  /**
   * Whether the two events are the same event: equal ids, names, times, data, aggregates,
   * metadata and positions.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Event<?> e
        && id.equals(e.id)
        && position == e.position
        && name.equals(e.name)
        && time.equals(e.time)
        && data.equals(e.data)
        && Objects.equals(aggregate, e.aggregate)
        && metadata.equals(e.metadata);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "Event[" + name + " " + id
        + (aggregate == null ? "" : " " + aggregate.name() + "/" + aggregate.id() + "@" + aggregate.version())
        + (position == 0 ? "" : " #" + position)
        + "]";
  }
}
