package dev.fabula.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.nats.Nats;
import dev.fabula.nats.NatsOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.api.StorageType;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trace context crossing processes: two "processes" (each its own NATS connection, tracer
 * and meter registry) share only the NATS server, so the context can reach the other side only
 * in the metadata the buses encode on the wire.
 */
class AcrossProcessesTest {
  private static final String URL =
      System.getenv().getOrDefault("FABULA_NATS_URL", NatsOptions.DEFAULT_URL);
  private static final Codec CODEC =
      JacksonCodec.create(
          CommandBuses.registerProtocol(CodecRegistry.builder())
              .register(Tally.ADD, Tally.Add.class)
              .register(Tally.ADDED, Tally.Added.class)
              .build());

  private final List<AutoCloseable> open = new ArrayList<>();
  private final NatsOptions nats = isolated();

  @BeforeAll
  static void server() {
    URI uri = URI.create(URL.split(",")[0]);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 4222 : uri.getPort()), 1000);
    } catch (IOException e) {
      String message = "no NATS server answers at " + URL + " (start one with `nats-server -js`): " + e;
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError("FABULA_REQUIRE_BACKENDS=true but " + message, e);
      }
      assumeTrue(false, message);
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    io.nats.client.Connection c = io.nats.client.Nats.connect(URL);
    try {
      c.jetStreamManagement().deleteStream(nats.stream());
    } catch (io.nats.client.JetStreamApiException e) {
      // never made: the test used core NATS only
    } finally {
      c.close();
    }
  }

  /** One side: its own tracer, registry and telemetry. */
  private final class Process {
    final Tracing tracing = keep(new Tracing());
    final MeterRegistry registry = new SimpleMeterRegistry();
    final Telemetry telemetry = Telemetry.of(MicrometerMetrics.of(registry), OpenTelemetryTracing.of(tracing.sdk));

    EventBus coreBus() {
      return keep(Nats.eventBus(CODEC, nats));
    }

    EventBus jetStreamBus() {
      return keep(Nats.jetStreamBus(CODEC, nats));
    }
  }

  @Test
  void aCommandsTraceFollowsItToTheHandlerAndItsEventsBack() throws Exception {
    Process a = new Process();
    Process b = new Process();
    EventBus busA = a.coreBus();
    EventBus busB = b.coreBus();
    CommandBus commandsA = keep(a.telemetry.commandBus(CommandBuses.distributed(busA, CODEC)));
    CommandBus commandsB = keep(b.telemetry.commandBus(CommandBuses.distributed(busB, CODEC)));
    EventStore storeB = keep(b.telemetry.eventStore(EventStores.publishing(InMemory.eventStore(), b.telemetry.eventBus(busB))));
    UUID id = UUID.randomUUID();
    commandsB.handle(
        Tally.ADD,
        Tally.Add.class,
        c -> storeB.insert(List.of(Event.create(Tally.ADDED, new Tally.Added(c.payload().amount()))
            .withAggregate(Tally.NAME, id, 1)
            .withMetadata(c.causedMetadata()))));
    BlockingQueue<Event<?>> received = new LinkedBlockingQueue<>();
    keep(a.telemetry.eventBus(busA).subscribe(Set.of(Tally.ADDED), received::add));

    Command<Tally.Add> command = Command.create(Tally.ADD, new Tally.Add(5)).forAggregate(Tally.NAME, id);
    commandsA.dispatch(command, DispatchOptions.sync());
    Event<?> back = received.poll(30, TimeUnit.SECONDS);
    assertThat(back).as("the event B published reached A").isNotNull();

    List<SpanData> spansA = a.tracing.await(s -> names(s).containsAll(List.of("fabula.command.dispatch", "fabula.bus.deliver")));
    List<SpanData> spansB = b.tracing.await(s -> names(s).containsAll(List.of("fabula.command.handle", "fabula.store.append", "fabula.bus.publish")));
    SpanData dispatch = only(spansA, "fabula.command.dispatch");
    SpanData handle = only(spansB, "fabula.command.handle");
    SpanData append = only(spansB, "fabula.store.append");
    SpanData publish = only(spansB, "fabula.bus.publish");
    SpanData deliver = only(spansA, "fabula.bus.deliver");
    assertThat(List.of(handle, append, publish, deliver)).extracting(SpanData::getTraceId).containsOnly(dispatch.getTraceId());
    assertThat(handle.getParentSpanContext().isRemote()).isTrue();
    assertThat(handle.getParentSpanId()).isEqualTo(dispatch.getSpanId());
    assertThat(append.getParentSpanId()).isEqualTo(handle.getSpanId());
    assertThat(publish.getParentSpanId()).isEqualTo(append.getSpanId());
    assertThat(deliver.getParentSpanContext().isRemote()).isTrue();
    assertThat(deliver.getParentSpanId()).isEqualTo(publish.getSpanId());
    // Each side counted its part.
    assertThat(a.registry.get("fabula.command.dispatch").tags("command", Tally.ADD, "outcome", "success").timer().count()).isEqualTo(1);
    assertThat(b.registry.get("fabula.command.handle").tags("command", Tally.ADD, "outcome", "success").timer().count()).isEqualTo(1);
    assertThat(b.registry.find("fabula.command.dispatch").meters()).isEmpty();
    assertThat(a.registry.find("fabula.command.handle").meters()).isEmpty();
  }

  @Test
  void aDurableSubscriptionsRedeliveryIsCountedAndTraced() throws Exception {
    Process a = new Process();
    Process b = new Process();
    EventBus publisher = a.telemetry.eventBus(a.jetStreamBus());
    EventBus subscriber = b.telemetry.eventBus(b.jetStreamBus());
    AtomicInteger attempts = new AtomicInteger();
    BlockingQueue<Event<?>> handled = new LinkedBlockingQueue<>();
    keep(subscriber.subscribe(
        Set.of(Tally.ADDED),
        e -> {
          if (attempts.incrementAndGet() == 1) {
            throw new IllegalStateException("fails once, on purpose");
          }
          handled.add(e);
        },
        SubscriptionOptions.defaults()
            .withErrorHandler(e -> {})
            .withDurable(Durable.named("telemetry_" + UUID.randomUUID().toString().substring(0, 8)))));

    publisher.publish(List.of(Event.create(Tally.ADDED, new Tally.Added(1))));
    assertThat(handled.poll(30, TimeUnit.SECONDS)).as("delivered again after the failure").isNotNull();

    List<SpanData> spansB = b.tracing.await(s -> names(s).stream().filter("fabula.bus.deliver"::equals).count() == 2);
    SpanData publish = only(a.tracing.await(s -> names(s).contains("fabula.bus.publish")), "fabula.bus.publish");
    assertThat(spansB).allSatisfy(d -> {
      assertThat(d.getTraceId()).isEqualTo(publish.getTraceId());
      assertThat(d.getParentSpanId()).isEqualTo(publish.getSpanId());
    });
    assertThat(spansB).extracting(s -> s.getStatus().getStatusCode().name()).containsExactlyInAnyOrder("ERROR", "UNSET");
    assertThat(b.registry.get("fabula.bus.deliver").tags("event", Tally.ADDED, "outcome", "error").timer().count()).isEqualTo(1);
    assertThat(b.registry.get("fabula.bus.deliver").tags("event", Tally.ADDED, "outcome", "success").timer().count()).isEqualTo(1);
    assertThat(b.registry.get("fabula.bus.redeliver").tags("event", Tally.ADDED).counter().count()).isEqualTo(1);
    assertThat(a.registry.get("fabula.bus.publish").tags("outcome", "success").timer().count()).isEqualTo(1);
  }

  private static List<String> names(List<SpanData> spans) {
    return spans.stream().map(SpanData::getName).toList();
  }

  private static SpanData only(List<SpanData> spans, String name) {
    List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(found).as(name).hasSize(1);
    return found.getFirst();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    open.add(resource);
    return resource;
  }

  /** A subject prefix and stream no other test uses. */
  private static NatsOptions isolated() {
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    return NatsOptions.builder()
        .url(URL)
        .subjectPrefix("fabula_test.telemetry_" + unique)
        .stream("FABULA_TEST_TELEMETRY_" + unique)
        .storage(StorageType.Memory)
        .connectTimeout(Duration.ofSeconds(3))
        .build();
  }
}
