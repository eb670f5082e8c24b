package dev.fabula.tck.command;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.EventBus;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;

/**
 * The command bus suite over the in-memory event bus. Payloads are encoded to JSON and back, as
 * they would be over a network, although the in-memory bus could pass them as they are.
 */
class InMemoryCommandBusConformanceTest extends CommandBusConformance {
  private static final Codec CODEC =
      JacksonCodec.create(registerCommands(CodecRegistry.builder()).build());

  @Override
  protected Transport openTransport() {
    EventBus events = InMemory.eventBus();
    return new Transport() {
      @Override
      public CommandBus newBus(CommandBusOptions options) {
        return CommandBuses.distributed(events, CODEC, options);
      }

      @Override
      public void close() {
        events.close();
      }
    };
  }
}
