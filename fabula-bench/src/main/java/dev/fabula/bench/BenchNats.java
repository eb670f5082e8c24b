package dev.fabula.bench;

import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Metadata;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.nats.NatsOptions;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The NATS server the NATS benchmarks use, and what Fabula's side and the raw jnats side share:
 * connections made the same way, a subject prefix and stream name of their own per trial, the
 * benchmark event and command, and the bytes Fabula puts on the wire for them (so that the raw
 * side sends exactly as many bytes).
 *
 * <p>The server is {@code $FABULA_BENCH_NATS_URL}, else {@code nats://127.0.0.1:4222} (a
 * {@code nats-server -js}). When none answers, a NATS benchmark fails at its set-up with a
 * message that says so: its cells read "n/a", and the smoke run (which fails on a failing
 * benchmark) fails.
 */
final class BenchNats {

    /** Environment variable holding the server URL. */
    static final String URL_ENV = "FABULA_BENCH_NATS_URL";

    /** The event every NATS benchmark publishes (a product created, with its aggregate). */
    static final String EVENT = "ProductCreated";

    /** The command of the round-trip benchmarks. */
    static final String CHANGE_PRICE = "product.change-price";

    /** How long a benchmark waits for the server before it fails (never reached when healthy). */
    static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * Payload of the change-price command.
     *
     * @param price the new price in cents
     */
    record ChangePrice(long price) {
    }

    /** The codec of both sides: the event, the command, and the command protocol's events. */
    static final JacksonCodec CODEC = JacksonCodec.create(CommandBuses.registerProtocol(CodecRegistry.builder())
            .register(EVENT, ProductCreated.class)
            .register(CHANGE_PRICE, ChangePrice.class)
            .build());

    private BenchNats() {
    }

    /**
     * The server URL.
     *
     * @return {@code $FABULA_BENCH_NATS_URL}, or {@link NatsOptions#DEFAULT_URL}
     */
    static String url() {
        String url = System.getenv(URL_ENV);
        return url == null || url.isBlank() ? NatsOptions.DEFAULT_URL : url;
    }

    /**
     * Opens a jnats connection with the client's default options (both sides get the same
     * kind, and Fabula's buses are given theirs through {@link NatsOptions.Builder#connection}).
     *
     * @param name the connection's name, seen in the server's monitoring
     * @return the open connection; the caller closes it
     * @throws IllegalStateException when no server answers
     */
    static Connection connect(String name) {
        Options options = Options.builder()
                .server(url())
                .connectionName("fabula-bench-" + name)
                .connectionTimeout(Duration.ofSeconds(3))
                .build();
        try {
            return Nats.connect(options);
        } catch (IOException e) {
            throw new IllegalStateException("no NATS server answers at " + url() + " (start one with `nats-server -js`,"
                    + " or set " + URL_ENV + "); the NATS benchmarks need it: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to NATS at " + url(), e);
        }
    }

    /**
     * A subject prefix and stream name no other run uses: {@code fabula_bench.<label>_<random>}
     * and {@code FABULA_BENCH_<LABEL>_<RANDOM>}.
     */
    record Names(String prefix, String stream) {

        static Names unique(String label) {
            String unique = label + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            return new Names("fabula_bench." + unique, "FABULA_BENCH_" + unique.toUpperCase(Locale.ROOT));
        }

        /** Options for a Fabula bus on {@code connection} with these names; the stream on file. */
        NatsOptions options(Connection connection) {
            return NatsOptions.builder()
                    .connection(connection)
                    .subjectPrefix(prefix)
                    .stream(stream)
                    .storage(StorageType.File)
                    .build();
        }

        /**
         * The stream a Fabula JetStream bus with {@link #options} creates, for the raw side:
         * {@code <prefix>.*} on file, limits retention, one replica, a two-minute de-duplication
         * window.
         */
        StreamConfiguration streamConfiguration() {
            NatsOptions defaults = NatsOptions.defaults();
            return StreamConfiguration.builder()
                    .name(stream)
                    .subjects(prefix + ".*")
                    .storageType(StorageType.File)
                    .retentionPolicy(RetentionPolicy.Limits)
                    .replicas(defaults.replicas())
                    .duplicateWindow(defaults.duplicateWindow())
                    .build();
        }
    }

    /**
     * The benchmark event: a product created, as the first event of its aggregate, with a
     * correlation id (about 330 bytes as Fabula's envelope).
     *
     * @param n a number that varies the product's name and price
     * @return a new event, with an id of its own
     */
    static Event<ProductCreated> event(long n) {
        return Event.create(EVENT, new ProductCreated("product " + n, 1_000 + n))
                .withAggregate("product", UUID.randomUUID(), 1)
                .withMetadata(Metadata.of("correlationId", UUID.randomUUID().toString()));
    }

    /**
     * One message as a Fabula bus sent it.
     *
     * @param subject its subject
     * @param body    its bytes
     */
    record Wire(String subject, byte[] body) {
    }

    /**
     * Records what Fabula's bus puts on the wire while {@code action} runs: a raw subscription to
     * every subject under {@code prefix} collects {@code count} messages.
     *
     * @param prefix the bus's subject prefix
     * @param count  how many messages {@code action} makes the bus send
     * @param action publishes through the bus (or through something that does)
     * @return the messages, in the order the server delivered them
     */
    static List<Wire> capture(String prefix, int count, Runnable action) {
        Connection raw = connect("capture");
        try {
            Subscription sub = raw.subscribe(prefix + ".*");
            raw.flush(WAIT);
            action.run();
            Wire[] wires = new Wire[count];
            for (int i = 0; i < count; i++) {
                Message m = sub.nextMessage(WAIT);
                if (m == null) {
                    throw new IllegalStateException("captured " + i + " of " + count + " messages under " + prefix);
                }
                wires[i] = new Wire(m.getSubject(), m.getData());
            }
            return List.of(wires);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while capturing messages", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("NATS did not answer a flush within " + WAIT, e);
        } finally {
            close(raw);
        }
    }

    /**
     * The subject Fabula's buses send {@link #EVENT} on under {@code prefix} ({@link #EVENT} is
     * letters only, so it is its own subject token).
     */
    static String subject(String prefix) {
        return prefix + "." + EVENT;
    }

    /**
     * The envelope of {@link #event} as Fabula's core NATS bus sends it, captured from the wire.
     *
     * @param n the event's number
     * @return its bytes
     */
    static byte[] envelope(long n) {
        Names names = Names.unique("capture");
        Connection connection = connect("capture-bus");
        try (EventBus bus = dev.fabula.nats.Nats.eventBus(CODEC, names.options(connection))) {
            Wire wire = capture(names.prefix(), 1, () -> bus.publish(List.of(event(n)))).get(0);
            if (!wire.subject().equals(subject(names.prefix()))) {
                throw new IllegalStateException("Fabula sent " + EVENT + " on " + wire.subject()
                        + ", not on " + subject(names.prefix()));
            }
            return wire.body();
        } finally {
            close(connection);
        }
    }

    /**
     * Counts what a subscriber received, for a benchmark thread waiting for a number of
     * arrivals; a subscriber's failure ends the wait with that failure.
     */
    static final class Arrivals {
        private final Semaphore arrived = new Semaphore(0);
        private volatile Throwable failure;

        /** One more arrived (on the subscriber's thread). */
        void arrived() {
            arrived.release();
        }

        /** The subscriber failed (on its thread): the waiting benchmark fails with this. */
        void failed(Throwable e) {
            failure = e;
            arrived.release(Integer.MAX_VALUE / 2);
        }

        /**
         * Waits for {@code count} arrivals.
         *
         * @throws IllegalStateException when the subscriber failed, or they did not come within
         *                               {@link BenchNats#WAIT}
         */
        void await(int count) throws InterruptedException {
            boolean all = arrived.tryAcquire(count, WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (failure != null) {
                throw new IllegalStateException("the subscriber failed", failure);
            }
            if (!all) {
                throw new IllegalStateException("fewer than " + count + " messages arrived within " + WAIT);
            }
        }
    }

    /**
     * Sends what the connection buffered and waits for the server to have it.
     *
     * @param connection the connection
     * @throws TimeoutException when the server does not answer within {@link #WAIT}
     * @throws InterruptedException when interrupted
     */
    static void flush(Connection connection) throws TimeoutException, InterruptedException {
        connection.flush(WAIT);
    }

    /** Deletes a stream, if it exists. */
    static void deleteStream(String stream) {
        Connection c = connect("cleanup");
        try {
            c.jetStreamManagement().deleteStream(stream);
        } catch (JetStreamApiException e) {
            // never made, or gone already
        } catch (IOException e) {
            throw new IllegalStateException("could not delete the stream " + stream, e);
        } finally {
            close(c);
        }
    }

    /** Closes a connection, if there is one. */
    static void close(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
