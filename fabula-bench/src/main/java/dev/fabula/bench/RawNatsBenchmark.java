package dev.fabula.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fabula.bench.domain.ProductCreated;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The raw jnats client doing the work of {@link NatsBenchmark}'s workloads, with the bytes
 * Fabula puts on the wire for them (captured from Fabula's buses at set-up), on connections made
 * the same way: the rate or latency each Fabula row is compared with.
 *
 * <ul>
 *   <li>{@code publish}: {@code connection.publish(subject, bytes)} of the envelope, {@link
 *       NatsBenchmark#BATCH} times, then a flush; encodes nothing (the bytes are ready);</li>
 *   <li>{@code consume}: a jnats {@link Dispatcher} whose handler decodes each envelope with
 *       Jackson into a record of every envelope field (payload included), as Fabula's subscription
 *       decodes it into an event;</li>
 *   <li>{@code jetStreamPublish} / {@code jetStreamBatch}: {@code jetStream.publish} with a new
 *       message id and the expected stream, waiting for each acknowledgement / {@code
 *       publishAsync} of {@link NatsBenchmark#BATCH}, then waiting for every acknowledgement, on a
 *       stream configured as Fabula's bus configures its own (file storage);</li>
 *   <li>{@code requestReply}: {@code connection.request} to a dispatcher on a second connection,
 *       which parses the request (Jackson tree) and replies; the request carries Fabula's
 *       "command dispatched" bytes and the reply its "command executed" bytes;</li>
 *   <li>{@code protocolFloor}: the five messages of Fabula's command protocol by hand, without
 *       Fabula: dispatched, requested, assigned, accepted and executed, each sent by the side that
 *       acts on the previous one as soon as it arrived (four one-way trips in sequence; accepted
 *       and executed leave together), with Fabula's bytes, and every message reaching both
 *       connections, as each command bus subscribes to all of them. What any implementation of
 *       that protocol costs at least on this server.</li>
 * </ul>
 */
@Fork(1)
public class RawNatsBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The envelope's fields, as a raw consumer would read them.
     *
     * @param v         version
     * @param id        event id
     * @param name      event name
     * @param time      nanoseconds since the epoch
     * @param aggregate the aggregate, or null
     * @param position  position in the store
     * @param metadata  metadata
     * @param revision  payload revision
     * @param payload   the event's data
     */
    record RawEnvelope(int v, UUID id, String name, long time, RawAggregate aggregate, long position,
                       Map<String, String> metadata, int revision, ProductCreated payload) {
    }

    /**
     * An aggregate reference.
     *
     * @param name    aggregate name
     * @param id      aggregate id
     * @param version its version
     */
    record RawAggregate(String name, UUID id, int version) {
    }

    /** A connection and Fabula's envelope of the benchmark event. */
    @State(Scope.Benchmark)
    public static class CorePublish {
        Connection connection;
        String subject;
        byte[] envelope;

        /** Connects and captures the envelope. */
        @Setup(Level.Trial)
        public void open() {
            subject = BenchNats.subject(BenchNats.Names.unique("publish").prefix());
            envelope = BenchNats.envelope(1);
            connection = BenchNats.connect("raw-publish");
        }

        /** Closes the connection. */
        @TearDown(Level.Trial)
        public void close() {
            BenchNats.close(connection);
        }
    }

    /**
     * Events per second through {@code connection.publish}, batches of {@link NatsBenchmark#BATCH}.
     *
     * @param s the connection
     * @throws Exception when the server does not answer the flush
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(NatsBenchmark.BATCH)
    public void publish(CorePublish s) throws Exception {
        for (int i = 0; i < NatsBenchmark.BATCH; i++) {
            s.connection.publish(s.subject, s.envelope);
        }
        BenchNats.flush(s.connection);
    }

    /**
     * The events of a batch as a hand-rolled publisher holds them: records it encodes with
     * Jackson into the same envelope JSON before each publish, as Fabula's bus must.
     */
    @State(Scope.Benchmark)
    public static class CorePublishEncoding extends CorePublish {
        final List<RawEnvelope> envelopes = new ArrayList<>();

        /** Builds the batch's envelopes (the connection comes from {@link CorePublish#open()}). */
        @Setup(Level.Trial)
        public void build() {
            for (int i = 0; i < NatsBenchmark.BATCH; i++) {
                var e = BenchNats.event(i);
                var a = e.aggregateOrNull();
                envelopes.add(new RawEnvelope(1, e.id(), e.name(), e.time().getEpochSecond() * 1_000_000_000L
                        + e.time().getNano(), new RawAggregate(a.name(), a.id(), a.version()), e.position(),
                        e.metadata().values(), 1, e.data()));
            }
        }
    }

    /**
     * Events per second through {@code connection.publish}, each event first encoded with Jackson
     * into the envelope: the raw client doing the work Fabula's publish does.
     *
     * @param s the connection and the events
     * @throws Exception when the server does not answer the flush
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(NatsBenchmark.BATCH)
    public void publishEncoding(CorePublishEncoding s) throws Exception {
        for (RawEnvelope e : s.envelopes) {
            s.connection.publish(s.subject, JSON.writeValueAsBytes(e));
        }
        BenchNats.flush(s.connection);
    }

    /** A dispatcher decoding every envelope, and a connection that publishes them. */
    @State(Scope.Benchmark)
    public static class CoreConsume {
        Connection publisher;
        Connection connection;
        String subject;
        byte[] envelope;
        final BenchNats.Arrivals arrivals = new BenchNats.Arrivals();

        /** Connects and subscribes. */
        @Setup(Level.Trial)
        public void open() throws Exception {
            subject = BenchNats.subject(BenchNats.Names.unique("consume").prefix());
            envelope = BenchNats.envelope(1);
            publisher = BenchNats.connect("publisher");
            connection = BenchNats.connect("raw-consume");
            Dispatcher dispatcher = connection.createDispatcher(m -> {
                try {
                    RawEnvelope e = JSON.readValue(m.getData(), RawEnvelope.class);
                    if (e.payload().price() <= 0) {
                        throw new IllegalStateException("a product created without a price: " + e);
                    }
                    arrivals.arrived();
                } catch (IOException | RuntimeException e) {
                    arrivals.failed(e);
                }
            });
            dispatcher.subscribe(subject);
            BenchNats.flush(connection);
        }

        /** Closes both connections. */
        @TearDown(Level.Trial)
        public void close() {
            BenchNats.close(connection);
            BenchNats.close(publisher);
        }
    }

    /**
     * Events per second a jnats dispatcher receives and decodes, {@link NatsBenchmark#CONSUMED}
     * per invocation.
     *
     * @param s the dispatcher and the publisher
     * @throws InterruptedException when interrupted
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(NatsBenchmark.CONSUMED)
    public void consume(CoreConsume s) throws InterruptedException {
        for (int i = 0; i < NatsBenchmark.CONSUMED; i++) {
            s.publisher.publish(s.subject, s.envelope);
        }
        s.arrivals.await(NatsBenchmark.CONSUMED);
    }

    /** A stream configured as Fabula's JetStream bus makes its own, deleted after the trial. */
    @State(Scope.Benchmark)
    public static class JetStreamPublish {
        BenchNats.Names names;
        Connection connection;
        JetStream jetStream;
        String subject;
        byte[] envelope;

        /** Connects and creates the stream. */
        @Setup(Level.Trial)
        public void open() throws IOException, JetStreamApiException {
            names = BenchNats.Names.unique("jetstream");
            subject = BenchNats.subject(names.prefix());
            envelope = BenchNats.envelope(1);
            connection = BenchNats.connect("raw-jetstream");
            connection.jetStreamManagement().addStream(names.streamConfiguration());
            jetStream = connection.jetStream();
        }

        /** Deletes the stream and closes the connection (if a failed set-up got that far). */
        @TearDown(Level.Trial)
        public void close() {
            try {
                if (connection != null) {
                    BenchNats.deleteStream(names.stream());
                }
            } finally {
                BenchNats.close(connection);
            }
        }

        /** Headers as Fabula's bus sends them: a new message id, the expected stream. */
        Headers headers() {
            return new Headers()
                    .put("Nats-Msg-Id", UUID.randomUUID().toString())
                    .put("Nats-Expected-Stream", names.stream());
        }
    }

    /**
     * Events per second through {@code jetStream.publish}, each waiting for its acknowledgement.
     *
     * @param s the connection and stream
     * @return the acknowledgement
     * @throws Exception when the server refuses or does not answer
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public PublishAck jetStreamPublish(JetStreamPublish s) throws Exception {
        return s.jetStream.publish(s.subject, s.headers(), s.envelope);
    }

    /**
     * Events per second through {@code jetStream.publishAsync}, {@link NatsBenchmark#BATCH} sent,
     * then every acknowledgement awaited.
     *
     * @param s the connection and stream
     * @throws Exception when the server refuses or does not answer
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(NatsBenchmark.BATCH)
    public void jetStreamBatch(JetStreamPublish s) throws Exception {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(NatsBenchmark.BATCH);
        for (int i = 0; i < NatsBenchmark.BATCH; i++) {
            acks.add(s.jetStream.publishAsync(s.subject, s.headers(), s.envelope));
        }
        for (CompletableFuture<PublishAck> ack : acks) {
            ack.get(BenchNats.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The five messages of one Fabula command round trip, captured from two of Fabula's command
     * buses, keyed by step (dispatched, requested, assigned, accepted, executed); each with its
     * subject's last token (the protocol event's name as Fabula's bus writes it) and its bytes.
     */
    static Map<String, BenchNats.Wire> protocolMessages() {
        BenchNats.Names names = BenchNats.Names.unique("protocol");
        List<BenchNats.Wire> wires;
        try (NatsCommands commands = new NatsCommands(names)) {
            wires = BenchNats.capture(names.prefix(), STEPS.size(), () -> commands.dispatch(1));
        }
        Map<String, BenchNats.Wire> bySteps = new LinkedHashMap<>();
        for (String step : STEPS) {
            for (BenchNats.Wire w : wires) {
                if (w.subject().endsWith(step)) {
                    bySteps.put(step, new BenchNats.Wire(w.subject().substring(names.prefix().length() + 1), w.body()));
                }
            }
            if (!bySteps.containsKey(step)) {
                throw new IllegalStateException("no '" + step + "' message among the protocol's "
                        + wires.stream().map(BenchNats.Wire::subject).toList());
            }
        }
        return bySteps;
    }

    /** The protocol's messages, in the order they are sent. */
    static final List<String> STEPS = List.of("dispatched", "requested", "assigned", "accepted", "executed");

    /** Two connections, the second replying to requests of the first. */
    @State(Scope.Benchmark)
    public static class RequestReply {
        Connection requester;
        Connection responder;
        String subject;
        byte[] request;

        /** Connects both and subscribes the responder. */
        @Setup(Level.Trial)
        public void open() throws Exception {
            Map<String, BenchNats.Wire> protocol = protocolMessages();
            request = protocol.get("dispatched").body();
            byte[] reply = protocol.get("executed").body();
            subject = BenchNats.Names.unique("request").prefix() + "." + protocol.get("dispatched").subject();
            requester = BenchNats.connect("raw-requester");
            responder = BenchNats.connect("raw-responder");
            Dispatcher dispatcher = responder.createDispatcher(m -> {
                parse(m);
                responder.publish(m.getReplyTo(), reply);
            });
            dispatcher.subscribe(subject);
            BenchNats.flush(responder);
        }

        /** Closes both. */
        @TearDown(Level.Trial)
        public void close() {
            BenchNats.close(requester);
            BenchNats.close(responder);
        }
    }

    /**
     * Latency of a jnats request/reply between two connections.
     *
     * @param s the connections
     * @return the parsed reply
     * @throws InterruptedException when interrupted
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public JsonNode requestReply(RequestReply s) throws InterruptedException {
        Message reply = s.requester.request(s.subject, s.request, BenchNats.WAIT);
        if (reply == null) {
            throw new IllegalStateException("no reply within " + BenchNats.WAIT);
        }
        return parse(reply);
    }

    /** The protocol's five messages between two connections that both receive all of them. */
    @State(Scope.Benchmark)
    public static class ProtocolFloor {
        Connection dispatching;
        Connection handling;
        String prefix;
        Map<String, BenchNats.Wire> messages;
        final Map<String, String> steps = new HashMap<>();
        volatile CompletableFuture<Void> done;

        /** Connects both and subscribes each to every subject of the run. */
        @Setup(Level.Trial)
        public void open() throws Exception {
            messages = protocolMessages();
            prefix = BenchNats.Names.unique("floor").prefix();
            messages.forEach((step, wire) -> steps.put(prefix + "." + wire.subject(), step));
            dispatching = BenchNats.connect("raw-dispatching");
            handling = BenchNats.connect("raw-handling");
            // Each side acts on the messages meant for it; the others (its own, echoed) it skips,
            // as a command bus skips what is not its business.
            Dispatcher d = dispatching.createDispatcher(m -> {
                String step = step(m);
                if (step.equals("requested")) {
                    parse(m);
                    send(dispatching, "assigned");
                } else if (step.equals("executed")) {
                    parse(m);
                    done.complete(null);
                }
            });
            d.subscribe(prefix + ".*");
            Dispatcher h = handling.createDispatcher(m -> {
                String step = step(m);
                if (step.equals("dispatched")) {
                    parse(m);
                    send(handling, "requested");
                } else if (step.equals("assigned")) {
                    parse(m);
                    send(handling, "accepted");
                    send(handling, "executed");
                }
            });
            h.subscribe(prefix + ".*");
            BenchNats.flush(dispatching);
            BenchNats.flush(handling);
        }

        private String step(Message m) {
            return steps.getOrDefault(m.getSubject(), "");
        }

        void send(Connection c, String step) {
            BenchNats.Wire wire = messages.get(step);
            c.publish(prefix + "." + wire.subject(), wire.body());
        }

        /** Closes both. */
        @TearDown(Level.Trial)
        public void close() {
            BenchNats.close(dispatching);
            BenchNats.close(handling);
        }
    }

    /**
     * Latency of the command protocol's five messages by hand: its floor on this server.
     *
     * @param s the connections
     * @throws Exception when the chain does not complete within {@link BenchNats#WAIT}
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void protocolFloor(ProtocolFloor s) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        s.done = done;
        s.send(s.dispatching, "dispatched");
        done.get(BenchNats.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static JsonNode parse(Message m) {
        try {
            return JSON.readTree(m.getData());
        } catch (IOException e) {
            throw new IllegalStateException("not JSON on " + m.getSubject(), e);
        }
    }
}
