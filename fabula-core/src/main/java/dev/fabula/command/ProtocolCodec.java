package dev.fabula.command;

import dev.fabula.codec.Codec;
import dev.fabula.event.Metadata;
import dev.fabula.spi.CommandProtocol;
import dev.fabula.spi.CommandProtocol.Accepted;
import dev.fabula.spi.CommandProtocol.Dispatched;
import dev.fabula.spi.CommandProtocol.Executed;
import dev.fabula.spi.UuidV7;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Translates between commands and the records of {@link CommandProtocol}: encodes a dispatched
 * command's payload with the bus's codec, decodes it on the handler side, and writes what a bus
 * accepted and how the handler ended.
 */
final class ProtocolCodec {
  /** The assignee of a command whose dispatcher gave up: no bus. */
  static final String WITHDRAWN = "";

  private final Codec codec;

  ProtocolCodec(Codec codec) {
    this.codec = codec;
  }

  /** The command's payload, encoded; fails on a name or payload the codec cannot handle. */
  byte[] encode(Command<?> command) {
    return codec.encode(command.name(), command.payload());
  }

  /**
   * The first announcement of {@code command}, its payload encoded by {@link #encode}, as a new
   * dispatch (with a fresh dispatch id).
   */
  Dispatched announce(
      Command<?> command, byte[] payload, Duration assignTimeout, @Nullable String preferred) {
    int revision = codec.registry().revision(command.name());
    AggregateTarget target = command.aggregateOrNull();
    return new Dispatched(
        command.id(),
        UuidV7.next(),
        command.name(),
        target == null ? null : target.name(),
        target == null ? null : target.id(),
        revision,
        payload,
        assignTimeout.toMillis(),
        1,
        preferred);
  }

  /** {@code first} announced again as attempt {@code attempt} of its dispatch, preferring none. */
  static Dispatched again(Dispatched first, long remainingMillis, int attempt) {
    return new Dispatched(
        first.commandId(),
        first.dispatchId(),
        first.name(),
        first.aggregateName(),
        first.aggregateId(),
        first.payloadRevision(),
        first.payload(),
        remainingMillis,
        attempt,
        null);
  }

  /** The payload of an announced command, decoded by this bus's codec; throws if it cannot. */
  Object decode(Dispatched d) {
    return codec.decode(d.name(), d.payloadRevision(), d.payload());
  }

  /** The command an announcement carries, with its decoded payload. */
  static Command<?> command(Dispatched d, Object payload, Metadata metadata) {
    return Command.of(d.commandId(), d.name(), payload, target(d.aggregateName(), d.aggregateId()), metadata);
  }

  /** The aggregate named by a protocol record, or null when it names none. */
  static @Nullable AggregateTarget target(@Nullable String name, @Nullable UUID id) {
    return name == null || id == null ? null : new AggregateTarget(name, id);
  }

  /** Bus {@code busId} accepted {@code command}, of dispatch {@code dispatchId}. */
  static Accepted accepted(String busId, Command<?> command, UUID dispatchId) {
    AggregateTarget target = command.aggregateOrNull();
    return new Accepted(
        command.id(),
        dispatchId,
        busId,
        target == null ? null : target.name(),
        target == null ? null : target.id());
  }

  /** Bus {@code busId} ran command {@code id} of dispatch {@code dispatchId} to {@code outcome}. */
  static Executed executed(String busId, UUID id, UUID dispatchId, Execution.Outcome outcome) {
    CommandError error = outcome.error();
    return new Executed(
        id,
        dispatchId,
        busId,
        outcome.runtimeNanos(),
        error == null ? null : error.code(),
        error == null ? null : error.message(),
        error == null ? Map.of() : error.details());
  }
}
