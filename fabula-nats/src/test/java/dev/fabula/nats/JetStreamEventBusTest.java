package dev.fabula.nats;

import dev.fabula.event.EventBus;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.tck.event.EventBusConformance;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kit's bus suite on JetStream. A slow subscriber falls behind the stream and loses nothing,
 * which is what {@link OverflowPolicy#BLOCK} promises of the subscriber's side; JetStream never
 * cancels a subscription for being slow.
 */
class JetStreamEventBusTest extends EventBusConformance {
  private static final NatsOptions OPTIONS = TestNats.isolated("js").build();

  JetStreamEventBusTest() {
    super(Capabilities.defaults().withOverflowPolicies(Set.of(OverflowPolicy.BLOCK)));
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
