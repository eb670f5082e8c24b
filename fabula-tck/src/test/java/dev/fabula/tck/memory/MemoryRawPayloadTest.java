package dev.fabula.tck.memory;

import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.tck.TckData;
import dev.fabula.tck.event.RawPayloadConformance;

/**
 * The in-memory store keeps payloads as objects, so a {@code RawPayload} is stored and read back as
 * it is; one place is one store, whatever codec it is opened with.
 */
class MemoryRawPayloadTest extends RawPayloadConformance {
  private final EventStore[] places = {InMemory.eventStore(), InMemory.eventStore()};

  @Override
  protected EventStore store(int place, Codec codec) {
    return places[place];
  }

  @Override
  protected boolean encodesPayloads() {
    return false;
  }

  @Override
  protected Codec typedCodec() {
    return JacksonCodec.create(TckData.registry());
  }
}
