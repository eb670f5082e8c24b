package dev.fabula.spi;

import dev.fabula.codec.CodecRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Defines the wire format of the distributed command bus: the events through which {@linkplain
 * dev.fabula.command.CommandBuses#distributed distributed command buses} coordinate over an
 * {@link dev.fabula.event.EventBus}, so that exactly one bus executes each command however many
 * subscribe:
 *
 * <ol>
 *   <li>the dispatcher publishes {@value #DISPATCHED} (the command, its payload encoded by the
 *       codec);
 *   <li>each bus with a handler whose filter accepts it, and a free handler slot, publishes {@value
 *       #REQUESTED};
 *   <li>the dispatcher publishes {@value #ASSIGNED} naming the first requester (or the preferred
 *       bus, while it holds out for it: see affinity below); the others release
 *       the slot they held. A dispatcher that gave up waiting assigns the command to the empty bus
 *       id: nobody runs it, and every bus forgets it;
 *   <li>the assignee publishes {@value #ACCEPTED} and runs the handler;
 *   <li>when the handler ends it publishes {@value #EXECUTED} with the runtime and, on failure, the
 *       error's code, message and details.
 * </ol>
 *
 * <p>Affinity: every bus notes, from {@value #ACCEPTED}, which bus accepted the latest command for
 * each aggregate. A dispatcher names that bus in {@value #DISPATCHED} as the preferred bus and,
 * for a bounded wait ({@link dev.fabula.command.CommandBusOptions#affinityWait()}), assigns the
 * command only to it, keeping the other requests as fallbacks; so an aggregate's commands go to
 * one bus while it lives and has a handler for them.
 *
 * <p>A bus that requested a command and will not run it after all (it is closing, or could not
 * start the handler) publishes {@value #RELEASED}. When it was the assignee and had not accepted,
 * the dispatcher starts a new <em>attempt</em>: it publishes {@value #DISPATCHED} again with the
 * attempt number raised and the rest of its assign timeout, and never assigns the command to that
 * bus again. {@value #REQUESTED}, {@value #ASSIGNED} and {@value #RELEASED} carry the attempt they
 * belong to, so a message of an earlier attempt that arrives late changes nothing. Attempts start
 * at 1.
 *
 * <p>Dispatches: every record carries the {@code dispatchId} of the {@link
 * dev.fabula.command.CommandBus#dispatch} call it belongs to, fresh for each call and the same in
 * all its attempts. A command id may be dispatched again after an earlier dispatch settled (a
 * retry after a {@link dev.fabula.command.NoHandlerException}, or a workflow effect dispatched
 * again with its deterministic id): a bus ignores an announcement of a dispatch it saw assigned
 * or accepted already (it came late), but offers to run a new dispatch of the same command, and
 * each side ignores the records of a dispatch other than the one it is handling. One command id
 * is dispatched by one dispatcher at a time: two dispatches of the same id in flight at once, on
 * different buses, each supersede the other on the handler buses they reach, so either may fail
 * with a {@link dev.fabula.command.NoHandlerException} or {@link
 * dev.fabula.command.DispatchTimeoutException}, or both may run (a bus refuses a second dispatch
 * of an id it is still dispatching).
 *
 * <p>The command's metadata travels as the metadata of the {@value #DISPATCHED} event. All records
 * hold only strings, UUIDs, numbers, byte arrays and string maps, so any codec that reads records
 * can encode them on the class path; on the module path core opens this package to Jackson only,
 * so only fabula-jackson's codec can. Networked event buses need them in their registry: see
 * {@link #register}, which applications
 * reach through {@link dev.fabula.command.CommandBuses#registerProtocol}. The record shapes are the
 * wire format: changing one is a breaking change for buses of different versions that share an
 * event bus, though no application code sees them (ADR 0016).
 */
public final class CommandProtocol {
  /** Name of the event announcing a command to every bus. */
  public static final String DISPATCHED = "fabula.command.dispatched";

  /** Name of the event by which a bus offers to execute a command. */
  public static final String REQUESTED = "fabula.command.requested";

  /** Name of the event by which the dispatcher assigns a command to one bus. */
  public static final String ASSIGNED = "fabula.command.assigned";

  /** Name of the event by which the assignee confirms it runs the command. */
  public static final String ACCEPTED = "fabula.command.accepted";

  /** Name of the event carrying a command's outcome back to the dispatcher. */
  public static final String EXECUTED = "fabula.command.executed";

  /** Name of the event by which a bus gives back a command it requested and will not run. */
  public static final String RELEASED = "fabula.command.released";

  private CommandProtocol() {}

  /** Registers the protocol's event names and types in {@code registry}. */
  public static CodecRegistry.Builder register(CodecRegistry.Builder registry) {
    Objects.requireNonNull(registry, "registry");
    return registry
        .register(DISPATCHED, Dispatched.class)
        .register(REQUESTED, Requested.class)
        .register(ASSIGNED, Assigned.class)
        .register(ACCEPTED, Accepted.class)
        .register(EXECUTED, Executed.class)
        .register(RELEASED, Released.class);
  }

  /**
   * A command announced to every bus.
   *
   * @param commandId the command's id
   * @param dispatchId the dispatch this announcement belongs to: fresh for each call of {@link
   *     dev.fabula.command.CommandBus#dispatch}, the same in each attempt of that call; it tells a
   *     late announcement of a settled dispatch from a new dispatch of the same command id
   * @param name the command's name
   * @param aggregateName the target aggregate's name, or {@code null}
   * @param aggregateId the target aggregate's id, or {@code null}
   * @param payloadRevision the revision the payload was encoded in
   * @param payload the payload, encoded by the dispatcher's codec
   * @param assignTimeoutMillis how long the dispatcher still waits for a handler
   * @param attempt which attempt to place the command this is, from 1
   * @param preferredBus the bus the dispatcher will hold out for (the one that accepted the
   *     previous command for the same aggregate), or {@code null}; when it will not request the
   *     command it publishes {@link Released} at once
   */
  public record Dispatched(
      UUID commandId,
      UUID dispatchId,
      String name,
      @Nullable String aggregateName,
      @Nullable UUID aggregateId,
      int payloadRevision,
      byte[] payload,
      long assignTimeoutMillis,
      int attempt,
      @Nullable String preferredBus) {
    /** Validates the record. */
    public Dispatched {
      Objects.requireNonNull(commandId, "commandId");
      Objects.requireNonNull(dispatchId, "dispatchId");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(payload, "payload");
      if ((aggregateName == null) != (aggregateId == null)) {
        throw new IllegalArgumentException("aggregate name and id must be both set or both null");
      }
      requirePositive(attempt);
    }
  }

  private static void requirePositive(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
    }
  }

  /**
   * A bus offers to execute a command.
   *
   * @param commandId the command's id
   * @param dispatchId the dispatch this record belongs to
   * @param busId the offering bus
   * @param attempt the attempt of the {@link Dispatched} it answers
   */
  public record Requested(UUID commandId, UUID dispatchId, String busId, int attempt) {
    /** Validates the record. */
    public Requested {
      Objects.requireNonNull(commandId, "commandId");
      Objects.requireNonNull(dispatchId, "dispatchId");
      Objects.requireNonNull(busId, "busId");
      requirePositive(attempt);
    }
  }

  /**
   * The dispatcher assigns a command to one bus.
   *
   * @param commandId the command's id
   * @param dispatchId the dispatch this record belongs to
   * @param busId the assignee, or {@code ""} when the dispatcher withdrew the command (which ends
   *     every attempt)
   * @param attempt the attempt this assignment ends
   */
  public record Assigned(UUID commandId, UUID dispatchId, String busId, int attempt) {
    /** Validates the record. */
    public Assigned {
      Objects.requireNonNull(commandId, "commandId");
      Objects.requireNonNull(dispatchId, "dispatchId");
      Objects.requireNonNull(busId, "busId");
      requirePositive(attempt);
    }
  }

  /**
   * A bus gives back a command it requested and has not started, and never will (it is closing,
   * or it could not start the handler), or, as the dispatcher's preferred bus, declines a command
   * it will not request.
   *
   * @param commandId the command's id
   * @param dispatchId the dispatch this record belongs to
   * @param busId the bus that gives it back
   * @param attempt the attempt it had requested
   */
  public record Released(UUID commandId, UUID dispatchId, String busId, int attempt) {
    /** Validates the record. */
    public Released {
      Objects.requireNonNull(commandId, "commandId");
      Objects.requireNonNull(dispatchId, "dispatchId");
      Objects.requireNonNull(busId, "busId");
      requirePositive(attempt);
    }
  }

  /**
   * The assignee runs the command.
   *
   * @param commandId the command's id
   * @param dispatchId the dispatch this record belongs to
   * @param busId the assignee
   * @param aggregateName the target aggregate's name, or {@code null}: every bus notes which bus
   *     runs an aggregate's commands, to send it the next one
   * @param aggregateId the target aggregate's id, or {@code null}
   */
  public record Accepted(
      UUID commandId,
      UUID dispatchId,
      String busId, @Nullable String aggregateName, @Nullable UUID aggregateId) {
    /** Validates the record. */
    public Accepted {
      Objects.requireNonNull(commandId, "commandId");
      Objects.requireNonNull(dispatchId, "dispatchId");
      Objects.requireNonNull(busId, "busId");
      if ((aggregateName == null) != (aggregateId == null)) {
        throw new IllegalArgumentException("aggregate name and id must be both set or both null");
      }
    }
  }

  /**
   * A command's outcome.
   *
   * @param commandId the command's id
   * @param dispatchId the dispatch this record belongs to
   * @param busId the bus that executed it
   * @param runtimeNanos how long the handler ran
   * @param errorCode the error code, or {@code null} when the handler succeeded
   * @param errorMessage the error message, or {@code null} when the handler succeeded
   * @param errorDetails the error details; empty when the handler succeeded
   */
  public record Executed(
      UUID commandId,
      UUID dispatchId,
      String busId,
      long runtimeNanos,
      @Nullable String errorCode,
      @Nullable String errorMessage,
      Map<String, String> errorDetails) {
    /** Validates the record and copies the details. */
    public Executed {
      Objects.requireNonNull(errorDetails, "errorDetails");
      Objects.requireNonNull(commandId, "commandId");
      Objects.requireNonNull(dispatchId, "dispatchId");
      Objects.requireNonNull(busId, "busId");
      errorDetails = Map.copyOf(errorDetails);
    }
  }
}
