package dev.fabula.nats;

import dev.fabula.event.EventBus;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.tck.event.EventBusConformance;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kit's bus suite on JetStream: queue groups and durable subscriptions included. JetStream
 * cannot slow a publisher for a slow subscriber, so the bus declares only {@link
 * OverflowPolicy#CANCEL_SUBSCRIPTION}; under {@link OverflowPolicy#BLOCK} a slow subscriber falls
 * behind the stream and loses nothing ({@code JetStreamBusTest} checks that).
 */
class JetStreamEventBusTest extends EventBusConformance {
  private static final NatsOptions OPTIONS = TestNats.isolated("js").build();

  JetStreamEventBusTest() {
    super(Capabilities.defaults().withOverflowPolicies(Set.of(OverflowPolicy.CANCEL_SUBSCRIPTION)));
  }

  @BeforeAll
  static void server() {
    TestNats.requireServer();
  }

  @AfterAll
  static void dropStream() {
    TestNats.deleteStream(OPTIONS.stream());
  }

  @Override
  protected EventBus newBus() {
    return Nats.jetStreamBus(TestNats.codec(), OPTIONS);
  }
}
