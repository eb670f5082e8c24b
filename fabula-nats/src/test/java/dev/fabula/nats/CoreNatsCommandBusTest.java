package dev.fabula.nats;

import dev.fabula.tck.command.CommandBusConformance;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kit's command bus suite over core NATS: each bus on a connection of its own, as separate
 * processes would be, sharing a subject prefix per test.
 */
class CoreNatsCommandBusTest extends CommandBusConformance {
  @BeforeAll
  static void server() {
    TestNats.requireServer();
  }

  @Override
  protected Transport openTransport() {
    return new NatsCommandTransport(TestNats.isolated("cmd").build(), Nats::eventBus, () -> {});
  }
}
