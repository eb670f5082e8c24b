package dev.fabula.command;

import dev.fabula.event.Metadata;
import dev.fabula.spi.UuidV7;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A request to change state, immutable: a time-ordered id (UUIDv7), a name that the {@linkplain
 * dev.fabula.codec.CodecRegistry codec registry} maps to the payload's type, the typed payload,
 * optionally the {@linkplain AggregateTarget aggregate} it is addressed to, and {@link Metadata}.
 *
 * <p>The metadata's correlation and causation ids flow into the events the handler raises when it
 * runs through {@link AggregateCommands}: the causation id of those events is this command's id,
 * and the correlation id is this command's correlation id, or its id when it has none.
 *
 * <p>Create commands with {@link #create(String, Object)} and the {@code with…}/{@code for…}
 * methods; each returns a new command.
 *
 * @param <P> the type of the payload
 */
public final class Command<P> {
  private final UUID id;
  private final String name;
  private final P payload;
  private final @Nullable AggregateTarget aggregate;
  private final Metadata metadata;

  private Command(
      UUID id, String name, P payload, @Nullable AggregateTarget aggregate, Metadata metadata) {
    this.id = id;
    this.name = name;
    this.payload = payload;
    this.aggregate = aggregate;
    this.metadata = metadata;
  }

  /**
   * A new command with a fresh UUIDv7 id, no aggregate target and empty metadata.
   *
   * @throws IllegalArgumentException when the name is blank
   */
  public static <P> Command<P> create(String name, P payload) {
    return of(UuidV7.next(), name, payload, null, Metadata.empty());
  }

  /**
   * A command with every field given, as a bus rebuilds it from the wire.
   *
   * @param aggregate the target, or {@code null} for a command without one
   * @throws IllegalArgumentException when the name is blank
   */
  public static <P> Command<P> of(
      UUID id, String name, P payload, @Nullable AggregateTarget aggregate, Metadata metadata) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(metadata, "metadata");
    if (name.isBlank()) {
      throw new IllegalArgumentException("command name must not be blank");
    }
    return new Command<>(id, name, payload, aggregate, metadata);
  }

  /** The command's id, unique per command; a retried command keeps it. */
  public UUID id() {
    return id;
  }

  /** The command's name, e.g. {@code "product.create"}. */
  public String name() {
    return name;
  }

  /** The typed payload. */
  public P payload() {
    return payload;
  }

  /** The aggregate the command is addressed to, if any. */
  public Optional<AggregateTarget> aggregate() {
    return Optional.ofNullable(aggregate);
  }

  /** The target aggregate, or {@code null}: for hot paths that avoid the Optional. */
  public @Nullable AggregateTarget aggregateOrNull() {
    return aggregate;
  }

  /** The command's metadata. */
  public Metadata metadata() {
    return metadata;
  }

  /** A copy addressed to the aggregate {@code aggregateName}/{@code aggregateId}. */
  public Command<P> forAggregate(String aggregateName, UUID aggregateId) {
    return of(id, name, payload, new AggregateTarget(aggregateName, aggregateId), metadata);
  }

  /** A copy with another id (for deterministic ids, e.g. from a workflow). */
  public Command<P> withId(UUID newId) {
    return of(newId, name, payload, aggregate, metadata);
  }

  /** A copy with the given metadata replacing the current one. */
  public Command<P> withMetadata(Metadata newMetadata) {
    return of(id, name, payload, aggregate, newMetadata);
  }

  /** A copy whose metadata carries {@code correlationId}. */
  public Command<P> withCorrelationId(String correlationId) {
    Objects.requireNonNull(correlationId, "correlationId");
    return withMetadata(metadata.with(Metadata.CORRELATION_ID, correlationId));
  }

  /** A copy whose metadata carries {@code causationId} (the id of what caused this command). */
  public Command<P> withCausationId(String causationId) {
    Objects.requireNonNull(causationId, "causationId");
    return withMetadata(metadata.with(Metadata.CAUSATION_ID, causationId));
  }

  /**
   * The metadata for what this command causes: this command's metadata with the causation id set
   * to this command's id, and the correlation id kept, or set to this command's id when absent.
   */
  public Metadata causedMetadata() {
    String self = id.toString();
    return metadata
        .with(Metadata.CORRELATION_ID, metadata.correlationId().orElse(self))
        .with(Metadata.CAUSATION_ID, self);
  }

  /** Whether the two commands have equal ids, names, payloads, targets and metadata. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Command<?> c
        && id.equals(c.id)
        && name.equals(c.name)
        && payload.equals(c.payload)
        && Objects.equals(aggregate, c.aggregate)
        && metadata.equals(c.metadata);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "Command[" + name + " " + id
        + (aggregate == null ? "" : " -> " + aggregate.name() + "/" + aggregate.id())
        + "]";
  }
}
