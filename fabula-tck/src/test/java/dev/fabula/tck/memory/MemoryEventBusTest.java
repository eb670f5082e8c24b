package dev.fabula.tck.memory;

import dev.fabula.event.EventBus;
import dev.fabula.memory.InMemory;
import dev.fabula.tck.event.EventBusConformance;

/**
 * The bus suite over the in-memory bus: queue groups shared, durable subscriptions refused (it
 * keeps nothing across a restart), and no transport to share (each bus lives in its own memory).
 */
class MemoryEventBusTest extends EventBusConformance {
  MemoryEventBusTest() {
    super(Capabilities.defaults().withDurable(false).withSharedTransport(false).withUpcasting(false));
  }

  @Override
  protected EventBus newBus() {
    return InMemory.eventBus();
  }
}
