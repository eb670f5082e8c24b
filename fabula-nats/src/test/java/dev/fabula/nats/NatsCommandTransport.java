package dev.fabula.nats;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.EventBus;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.command.CommandBusConformance;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * A command bus kit transport on NATS: every command bus gets an event bus, and so a connection,
 * of its own, as a process would; they share a subject prefix (and stream) that no other test
 * uses. Closing the transport closes the event buses and then runs {@code cleanup}.
 */
final class NatsCommandTransport implements CommandBusConformance.Transport {
  static final Codec CODEC =
      JacksonCodec.create(CommandBusConformance.registerCommands(CodecRegistry.builder()).build());

  private final NatsOptions options;
  private final BiFunction<Codec, NatsOptions, EventBus> openBus;
  private final Runnable cleanup;
  private final List<EventBus> eventBuses = new CopyOnWriteArrayList<>();

  NatsCommandTransport(
      NatsOptions options, BiFunction<Codec, NatsOptions, EventBus> openBus, Runnable cleanup) {
    this.options = options;
    this.openBus = openBus;
    this.cleanup = cleanup;
  }

  @Override
  public CommandBus newBus(CommandBusOptions busOptions) {
    EventBus events = openBus.apply(CODEC, options);
    eventBuses.add(events);
    return CommandBuses.distributed(events, CODEC, busOptions);
  }

  @Override
  public void close() {
    try {
      eventBuses.forEach(EventBus::close);
    } finally {
      cleanup.run();
    }
  }
}
