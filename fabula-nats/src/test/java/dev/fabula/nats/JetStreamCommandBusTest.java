package dev.fabula.nats;

import dev.fabula.tck.command.CommandBusConformance;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kit's command bus suite over JetStream: each bus on a connection of its own, as separate
 * processes would be, sharing a stream per test (deleted afterwards).
 */
class JetStreamCommandBusTest extends CommandBusConformance {
  @BeforeAll
  static void server() {
    TestNats.requireServer();
  }

  @Override
  protected Transport openTransport() {
    NatsOptions options = TestNats.isolated("jscmd").build();
    return new NatsCommandTransport(
        options, Nats::jetStreamBus, () -> TestNats.deleteStream(options.stream()));
  }
}
