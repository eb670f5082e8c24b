package dev.fabula.command;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.EventBus;
import dev.fabula.spi.CommandProtocol;
import java.util.Objects;

/**
 * Creates {@link CommandBus}es.
 *
 * <ul>
 *   <li>{@link #inProcess} — when dispatchers and handlers live in one JVM: the command object is
 *       handed to the handler as it is, with no encoding and no coordination events.
 *   <li>{@link #distributed} — when they may live in several processes: buses coordinate over a
 *       shared {@link EventBus} with the events of a small protocol (ADR 0003), so exactly one of all the buses that
 *       have a handler for a command executes it. The commands for one aggregate go to the bus
 *       that ran the previous one, while it lives and takes them (see {@link
 *       CommandBusOptions#affinityWait()}).
 * </ul>
 */
public final class CommandBuses {
  private CommandBuses() {}

  /** An in-process bus with {@link CommandBusOptions#defaults()}. */
  public static CommandBus inProcess() {
    return inProcess(CommandBusOptions.defaults());
  }

  /** An in-process bus: handlers registered on it serve the commands dispatched on it. */
  public static CommandBus inProcess(CommandBusOptions options) {
    return new InProcessCommandBus(Objects.requireNonNull(options, "options"));
  }

  /** A distributed bus with {@link CommandBusOptions#defaults()}. */
  public static CommandBus distributed(EventBus eventBus, Codec codec) {
    return distributed(eventBus, codec, CommandBusOptions.defaults());
  }

  /**
   * A distributed bus over {@code eventBus}. Command payloads are encoded with {@code codec}, whose
   * registry must know every command name dispatched or handled; a networked event bus also needs
   * the protocol's names ({@link #registerProtocol}). Subscribes to the protocol's events
   * at once; {@link CommandBus#close()} ends the subscription but leaves {@code eventBus} open.
   * Ignores {@link CommandBusOptions#callerRuns()}: a command may be executed by another process,
   * so handlers always run on virtual threads of the bus that accepted the command.
   *
   * @throws dev.fabula.ClosedException when the event bus is closed
   */
  public static CommandBus distributed(EventBus eventBus, Codec codec, CommandBusOptions options) {
    return new DistributedCommandBus(
        Objects.requireNonNull(eventBus, "eventBus"),
        Objects.requireNonNull(codec, "codec"),
        Objects.requireNonNull(options, "options"));
  }

  /**
   * Registers, in {@code registry}, the names and types of the events through which {@linkplain
   * #distributed distributed buses} coordinate ({@code fabula.command.*}), and returns {@code
   * registry}. An event bus that encodes events (any networked one) needs them in the codec it
   * encodes with; the in-memory bus does not. The types themselves are internal: applications
   * never see them.
   *
   * <p>The codec reads the types reflectively, so where the application runs decides which codec
   * can: on the module path core opens their package to Jackson only, so only fabula-jackson's
   * codec can encode them; on the class path any codec can (ADR 0003, ADR 0016).
   */
  public static CodecRegistry.Builder registerProtocol(CodecRegistry.Builder registry) {
    return CommandProtocol.register(registry);
  }
}
