package dev.fabula.bench;

import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.nats.Nats;
import io.nats.client.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Fabula's side of the NATS workloads (issue 20), each compared with the raw jnats client doing
 * the same work in {@link RawNatsBenchmark}. Every bus is given a jnats connection made with the
 * client's defaults, as the raw side's are, and a subject prefix (and stream) of its own.
 *
 * <ul>
 *   <li>{@code publish}: {@link #BATCH} events through the core NATS bus's {@code publish}, then
 *       a flush of the connection (the server has them); events/s;</li>
 *   <li>{@code consume}: {@link #CONSUMED} envelopes published by a raw connection, until a
 *       subscription of the core NATS bus has handed every one, decoded, to its handler; events/s;</li>
 *   <li>{@code jetStreamPublish}: one event per {@code publish} on the JetStream bus, which
 *       returns once the stream (on file) acknowledged it; events/s;</li>
 *   <li>{@code jetStreamBatch}: {@link #BATCH} events per {@code publish} on the JetStream bus
 *       (sent together, then every acknowledgement awaited); events/s;</li>
 *   <li>{@code commandRoundTrip}: a synchronous dispatch on a distributed command bus whose
 *       handler sits on another command bus, event bus and connection in this JVM
 *       ({@link NatsCommands}); p50/p99 in µs.</li>
 * </ul>
 */
@Fork(1)
public class NatsBenchmark {

    /** Events per invocation of the publish benchmarks. */
    static final int BATCH = 100;

    /** Events per invocation of the consume benchmark. */
    static final int CONSUMED = 1_000;

    /** The parameters that put these runs in Fabula's column of the NATS rows. */
    @State(Scope.Benchmark)
    public abstract static class Side {

        /** Only Fabula: the other side of these rows is the raw client. */
        @Param(Sides.FABULA)
        public String side;

        /** Always {@code nats}. */
        @Param("nats")
        public String backend;

        /** Refuses parameters these workloads do not have. */
        @Setup(Level.Trial)
        public void checkParameters() {
            if (!side.equals(Sides.FABULA) || !backend.equals("nats")) {
                throw new IllegalArgumentException("the NATS workloads run with side=fabula and backend=nats only"
                        + " (their raw side is RawNatsBenchmark), got side=" + side + " backend=" + backend);
            }
        }
    }

    /** A core NATS bus and the same {@link #BATCH} events published again and again. */
    public static class CorePublish extends Side {
        Connection connection;
        EventBus bus;
        List<Event<ProductCreated>> events;

        /** Opens the bus. */
        @Setup(Level.Trial)
        public void open() {
            connection = BenchNats.connect("fabula-publish");
            bus = Nats.eventBus(BenchNats.CODEC, BenchNats.Names.unique("publish").options(connection));
            events = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                events.add(BenchNats.event(i));
            }
        }

        /** Closes the bus and its connection (what of them a failed set-up opened). */
        @TearDown(Level.Trial)
        public void close() {
            if (bus != null) {
                bus.close();
            }
            BenchNats.close(connection);
        }
    }

    /**
     * Events per second through the core NATS bus's {@code publish}, batches of {@link #BATCH}.
     *
     * @param s the bus
     * @throws Exception when the server does not answer the flush
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void publish(CorePublish s) throws Exception {
        s.bus.publish(s.events);
        BenchNats.flush(s.connection);
    }

    /** A core NATS bus subscribed to the event, and a raw connection that publishes its envelope. */
    public static class CoreConsume extends Side {
        Connection publisher;
        Connection connection;
        EventBus bus;
        Subscription subscription;
        String subject;
        byte[] envelope;
        final BenchNats.Arrivals arrivals = new BenchNats.Arrivals();

        /** Opens the bus and subscribes. */
        @Setup(Level.Trial)
        public void open() {
            BenchNats.Names names = BenchNats.Names.unique("consume");
            subject = BenchNats.subject(names.prefix());
            envelope = BenchNats.envelope(1);
            publisher = BenchNats.connect("publisher");
            connection = BenchNats.connect("fabula-consume");
            bus = Nats.eventBus(BenchNats.CODEC, names.options(connection));
            subscription = bus.subscribe(Set.of(BenchNats.EVENT), e -> {
                if (((ProductCreated) e.data()).price() <= 0) {
                    throw new IllegalStateException("a product created without a price: " + e);
                }
                arrivals.arrived();
            }, SubscriptionOptions.defaults().withErrorHandler(arrivals::failed));
        }

        /** Closes everything (that a failed set-up opened). */
        @TearDown(Level.Trial)
        public void close() {
            if (subscription != null) {
                subscription.close();
            }
            if (bus != null) {
                bus.close();
            }
            BenchNats.close(connection);
            BenchNats.close(publisher);
        }
    }

    /**
     * Events per second a core NATS subscription hands to its handler, {@link #CONSUMED} per
     * invocation.
     *
     * @param s the subscription and the publisher
     * @throws InterruptedException when interrupted
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CONSUMED)
    public void consume(CoreConsume s) throws InterruptedException {
        for (int i = 0; i < CONSUMED; i++) {
            s.publisher.publish(s.subject, s.envelope);
        }
        s.arrivals.await(CONSUMED);
    }

    /**
     * A JetStream bus on a stream (file storage) of its own, deleted after the trial, and
     * {@link #BATCH} events to publish again under new ids (JetStream drops a repeated id).
     */
    public static class JetStreamPublish extends Side {
        BenchNats.Names names;
        Connection connection;
        EventBus bus;
        List<Event<ProductCreated>> templates;

        /** Opens the bus and creates the stream. */
        @Setup(Level.Trial)
        public void open() {
            names = BenchNats.Names.unique("jetstream");
            connection = BenchNats.connect("fabula-jetstream");
            bus = Nats.jetStreamBus(BenchNats.CODEC, names.options(connection));
            templates = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                templates.add(BenchNats.event(i));
            }
            bus.publish(List.of(templates.get(0))); // creates the stream
        }

        /** Closes the bus and deletes the stream (if a failed set-up got that far). */
        @TearDown(Level.Trial)
        public void close() {
            try {
                if (bus != null) {
                    bus.close();
                    BenchNats.deleteStream(names.stream());
                }
            } finally {
                BenchNats.close(connection);
            }
        }

        /** The {@code i}th template under a new id (the raw side makes one random id per message too). */
        Event<ProductCreated> fresh(int i) {
            return templates.get(i).withId(UUID.randomUUID());
        }
    }

    /**
     * Events per second through the JetStream bus, one event per {@code publish}, each waiting
     * for the stream's acknowledgement.
     *
     * @param s the bus
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void jetStreamPublish(JetStreamPublish s) {
        s.bus.publish(List.of(s.fresh(0)));
    }

    /**
     * Events per second through the JetStream bus, {@link #BATCH} events per {@code publish}.
     *
     * @param s the bus
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void jetStreamBatch(JetStreamPublish s) {
        List<Event<ProductCreated>> events = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            events.add(s.fresh(i));
        }
        s.bus.publish(events);
    }

    /** A dispatching and a handling command bus over core NATS. */
    public static class CommandRoundTrip extends Side {
        NatsCommands commands;
        long next;

        /** Opens both buses. */
        @Setup(Level.Trial)
        public void open() {
            commands = new NatsCommands(BenchNats.Names.unique("commands"));
        }

        /** Closes them (if a failed set-up got that far). */
        @TearDown(Level.Trial)
        public void close() {
            if (commands != null) {
                commands.close();
            }
        }
    }

    /**
     * Latency of a synchronous command dispatch over core NATS, handled by another bus.
     *
     * @param s the buses
     * @return the command's number
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long commandRoundTrip(CommandRoundTrip s) {
        long n = s.next++;
        s.commands.dispatch(n);
        return n;
    }
}
