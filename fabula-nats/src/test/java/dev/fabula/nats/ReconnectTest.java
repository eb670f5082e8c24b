package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.tck.TckData;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bus outlives a restart of its server: a private {@code nats-server} on a free port, with its
 * own store directory, is stopped (by its process) and started again; the bus reconnects by
 * itself, its subscriptions go on, and (JetStream) a durable subscription gets what was
 * published after the restart. Skipped where no {@code nats-server} binary is installed, unless
 * {@code FABULA_REQUIRE_BACKENDS=true}.
 */
class ReconnectTest {
  private static final long WAIT_SECONDS = 30;
  private PrivateNatsServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = PrivateNatsServer.start();
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private void restart() throws Exception {
    server.stop(false);
    server.startAgain();
  }

  private NatsOptions options() {
    return NatsOptions.builder().url(server.url()).connectTimeout(Duration.ofSeconds(3)).build();
  }

  @Test
  void coreNatsReconnectsAndTheSubscriptionGoesOn() throws Exception {
    try (EventBus bus = Nats.eventBus(TestNats.codec(), options())) {
      BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
      bus.subscribe(Set.of(TckData.ALPHA), got::add);
      Event<?> before = TckData.alpha("before");
      bus.publish(List.of(before));
      assertThat(got.poll(WAIT_SECONDS, TimeUnit.SECONDS).id()).isEqualTo(before.id());

      restart();

      // At most once: events published while the bus reconnects may be lost, so publish until
      // one arrives, which shows the connection and the subscription are back.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      Event<?> arrived = null;
      while (arrived == null && System.nanoTime() < deadline) {
        bus.publish(List.of(TckData.alpha("after")));
        arrived = got.poll(200, TimeUnit.MILLISECONDS);
      }
      assertThat(arrived).as("an event after the restart").isNotNull();
    }
  }

  @Test
  void jetStreamReconnectsAndADurableSubscriptionGetsWhatFollows() throws Exception {
    try (EventBus bus = Nats.jetStreamBus(TestNats.codec(), options())) {
      BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
      bus.subscribe(Set.of(TckData.ALPHA), got::add,
          SubscriptionOptions.defaults().withDurable(Durable.named("survivor")));
      Event<?> before = TckData.alpha("before");
      bus.publish(List.of(before));
      assertThat(got.poll(WAIT_SECONDS, TimeUnit.SECONDS).id()).isEqualTo(before.id());

      restart();

      // A publish returns only once the stream stored the event: retry until one is confirmed.
      Event<?> after = TckData.alpha("after");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (true) {
        try {
          bus.publish(List.of(after));
          break;
        } catch (NatsPublishException notYet) {
          assertThat(System.nanoTime()).as("published within " + WAIT_SECONDS + " s").isLessThan(deadline);
        }
      }
      Event<?> e = got.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(e).as("the confirmed event reaches the durable subscription").isNotNull();
      assertThat(e.id()).isEqualTo(after.id());
    }
  }
}
