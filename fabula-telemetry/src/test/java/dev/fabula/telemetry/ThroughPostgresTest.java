package dev.fabula.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.projection.Projections;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The trace context crossing processes through PostgreSQL: one "process" appends (and publishes on
 * the PostgreSQL bus), another, with its own pool, tracer and store objects, projects what it reads
 * from the table and receives what the bus table carries. Only the stored metadata links them.
 */
class ThroughPostgresTest {
  private static final Codec CODEC =
      JacksonCodec.create(CodecRegistry.builder().register(Tally.ADDED, Tally.Added.class).build());

  private final String schema = "telemetry_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final PostgresOptions options = PostgresOptions.builder().schema(schema).build();
  private final List<AutoCloseable> open = new ArrayList<>();

  private static String url() {
    String url = System.getenv(Postgres.URL_VARIABLE);
    if (url == null) {
      String message = Postgres.URL_VARIABLE + " is not set: no PostgreSQL to test against";
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError("FABULA_REQUIRE_BACKENDS=true but " + message);
      }
      assumeTrue(false, message);
    }
    return url;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    try (HikariDataSource ds = Postgres.dataSource(url());
        Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void aProjectionAndASubscriberElsewhereJoinTheAppendersTrace() throws Exception {
    String url = url();
    Tracing tracingA = keep(new Tracing());
    Tracing tracingB = keep(new Tracing());
    Telemetry a = Telemetry.of(OpenTelemetryTracing.of(tracingA.sdk));
    Telemetry b = Telemetry.of(OpenTelemetryTracing.of(tracingB.sdk));
    HikariDataSource poolA = keep(Postgres.dataSource(url));
    HikariDataSource poolB = keep(Postgres.dataSource(url));
    EventStore storeA = keep(a.eventStore(Postgres.eventStore(poolA, CODEC, options)));
    EventBus busA = keep(a.eventBus(Postgres.eventBus(poolA, CODEC, options)));
    EventStore storeB = keep(Postgres.eventStore(poolB, CODEC, options));
    EventBus busB = keep(b.eventBus(Postgres.eventBus(poolB, CODEC, options)));
    BlockingQueue<Event<?>> received = new LinkedBlockingQueue<>();
    keep(busB.subscribe(Set.of(Tally.ADDED), received::add));
    BlockingQueue<Event<?>> projected = new LinkedBlockingQueue<>();
    Schedule schedule =
        keep(Schedule.periodically(storeB, Duration.ofHours(1), Set.of(Tally.ADDED),
            ScheduleOptions.builder().interceptor(b.interceptor()).build()));
    keep(schedule.project(Projections.named("copies", projected::add)));

    List<Event<?>> stored =
        storeA.insert(List.of(Event.create(Tally.ADDED, new Tally.Added(7)).withAggregate(Tally.NAME, UUID.randomUUID(), 1)));
    busA.publish(stored);
    // Reads that follow the store wait for every older open transaction in the cluster (the
    // gap-safe horizon), another build's too: trigger once B's store can see the event.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (storeB.lastPosition() < stored.get(0).position()) {
      assertThat(System.nanoTime()).as("the event visible to B within 90 s").isLessThan(deadline);
      Thread.sleep(5); // polling a condition with a bound, not proving an absence
    }
    schedule.trigger().get(30, TimeUnit.SECONDS);
    assertThat(projected.poll(30, TimeUnit.SECONDS)).as("B projected what A stored").isNotNull();
    assertThat(received.poll(30, TimeUnit.SECONDS)).as("B received what A published").isNotNull();

    List<SpanData> spansA = tracingA.await(s -> s.size() == 2);
    List<SpanData> spansB = tracingB.await(s -> s.size() == 2);
    SpanData append = only(spansA, "fabula.store.append");
    SpanData publish = only(spansA, "fabula.bus.publish");
    SpanData apply = only(spansB, "fabula.projection.apply");
    SpanData deliver = only(spansB, "fabula.bus.deliver");
    assertThat(List.of(publish, apply, deliver)).extracting(SpanData::getTraceId).containsOnly(append.getTraceId());
    assertThat(apply.getParentSpanContext().isRemote()).isTrue();
    assertThat(apply.getParentSpanId()).as("the stored event carries its append's context").isEqualTo(append.getSpanId());
    assertThat(deliver.getParentSpanId()).as("the bus row carries its publish's context").isEqualTo(publish.getSpanId());
  }

  private static SpanData only(List<SpanData> spans, String name) {
    List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(found).as(name + " in " + spans.stream().map(SpanData::getName).toList()).hasSize(1);
    return found.getFirst();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    open.add(resource);
    return resource;
  }
}
