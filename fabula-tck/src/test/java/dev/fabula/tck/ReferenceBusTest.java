package dev.fabula.tck;

import dev.fabula.event.EventBus;
import dev.fabula.tck.event.EventBusConformance;

/**
 * The bus suite with every capability it can ask for (queue groups across buses, durable
 * subscriptions resumed on another bus), against the {@link ReferenceBus}: shows those cases can
 * pass, before a real bus runs them.
 */
class ReferenceBusTest extends EventBusConformance {
  /** One per test: the test instance lives for one test. */
  private final ReferenceBus.Transport transport = ReferenceBus.transport(ReferenceBus.Fault.NONE);

  ReferenceBusTest() {
    super(Capabilities.defaults().withUpcasting(false)); // it hands on the objects published
  }

  @Override
  protected EventBus newBus() {
    return transport.newBus();
  }
}
