package dev.fabula.nats;

import dev.fabula.event.EventBus;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.tck.event.EventBusConformance;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kit's bus suite on core NATS. Core NATS cannot slow a publisher in another process, so the
 * bus declares only {@link OverflowPolicy#CANCEL_SUBSCRIPTION}; it keeps nothing, so it refuses
 * durable subscriptions. Queue groups are NATS queue subscriptions.
 */
class CoreNatsEventBusTest extends EventBusConformance {
  private static final NatsOptions OPTIONS = TestNats.isolated("core").build();

  CoreNatsEventBusTest() {
    super(Capabilities.defaults()
        .withOverflowPolicies(Set.of(OverflowPolicy.CANCEL_SUBSCRIPTION))
        .withDurable(false));
  }

  @BeforeAll
  static void server() {
    TestNats.requireServer();
  }

  @Override
  protected EventBus newBus() {
    return Nats.eventBus(TestNats.codec(), OPTIONS);
  }
}
