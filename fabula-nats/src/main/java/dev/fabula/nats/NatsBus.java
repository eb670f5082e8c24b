package dev.fabula.nats;

import dev.fabula.ClosedException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventUpcasting;
import dev.fabula.spi.Subscriptions;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the core NATS and JetStream buses share: the connection (their own, reconnecting with
 * back-off, or one given), the subject of each event name, the envelope, the checks every publish
 * and subscribe makes, and closing.
 */
abstract class NatsBus implements EventBus {
  private static final Duration MAX_RECONNECT_WAIT = Duration.ofSeconds(2);

  final Connection connection;
  final NatsOptions options;
  final Envelope envelope;
  private final boolean ownsConnection;
  private final String wildcard;
  private final List<NatsSubscription> subscriptions = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  NatsBus(Envelope envelope, NatsOptions options) {
    this.envelope = envelope;
    this.options = options;
    this.wildcard = options.subjectPrefix() + ".*";
    Connection given = options.connection().orElse(null);
    this.ownsConnection = given == null;
    this.connection = given != null ? given : connect(options);
  }

  /**
   * One flush at a time per connection, across every bus that shares it. jnats counts a flush's
   * ping as outstanding until the server answers, and once more than two are outstanding it takes
   * the connection for stale and drops it ("Max outgoing Ping count exceeded"): 400 concurrent
   * flushes from one bus broke its connection. Weak keys: a closed connection's lock goes with it.
   */
  private static final Map<Connection, ReentrantLock> FLUSHES =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * Waits until the server has processed everything sent so far on the connection, for at most
   * {@code timeout}; false when that could not be confirmed (the connection is down, or the
   * server did not answer in time).
   */
  final boolean flush(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ReentrantLock lock = FLUSHES.computeIfAbsent(connection, c -> new ReentrantLock());
    if (!lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    try {
      connection.flush(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1)));
      // jnats also returns normally, confirming nothing, when the connection is down or it just
      // dropped it: only a connection still up has answered.
      return connection.getStatus() == Connection.Status.CONNECTED;
    } catch (TimeoutException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Connects, failing within the connect timeout; afterwards reconnects forever, with back-off. */
  private static Connection connect(NatsOptions options) {
    Options client =
        Options.builder()
            .server(options.url())
            .connectionTimeout(options.connectTimeout())
            .maxReconnects(-1)
            // 50 ms, doubling up to 2 s, plus jitter: quick after a blip, gentle on a long outage.
            .reconnectDelayHandler(attempt -> {
              long millis = 50L << Math.min(attempt, 6);
              return Duration.ofMillis(Math.min(millis, MAX_RECONNECT_WAIT.toMillis()));
            })
            .reconnectJitter(Duration.ofMillis(100))
            .connectionName("fabula")
            .build();
    try {
      return Nats.connect(client);
    } catch (IOException e) {
      throw new NatsConnectionException("cannot connect to NATS at " + options.url()
          + " within " + options.connectTimeout(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatsConnectionException("interrupted while connecting to NATS at " + options.url(), e);
    }
  }

  /** The subject a subscription to {@code name} listens on: the wildcard for {@link #ALL}. */
  final String subject(String name) {
    return ALL.equals(name) ? wildcard : publishSubject(name);
  }

  /** The subject an event named {@code name} is published on, never a wildcard ("*" included). */
  final String publishSubject(String name) {
    return options.subjectPrefix() + "." + Subjects.token(name);
  }

  /** The subject matching every event name. */
  final String wildcard() {
    return wildcard;
  }

  /** Checks the events and encodes them all, before anything is sent. */
  final List<byte[]> encodeAll(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    List<byte[]> out = new ArrayList<>(events.size());
    for (Event<?> e : events) {
      out.add(envelope.encode(e));
    }
    return out;
  }

  @Override
  public final Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    Set<String> effective = Subscriptions.effectiveNames(names, handler, options);
    ensureOpen();
    // With event upcasters, the subjects of the old names too; the handler gets only what it asked for.
    Set<String> stored = EventUpcasting.storedNames(envelope.registry(), effective);
    EventHandler wanted = stored.equals(effective) ? handler : e -> {
      if (effective.contains(e.name())) {
        handler.handle(e);
      }
    };
    NatsSubscription sub = open(stored, wanted, options);
    subscriptions.add(sub);
    sub.start();
    if (closed) { // lost a race with close(): do not leave a live subscription behind
      sub.close();
      throw new ClosedException("event bus");
    }
    return sub;
  }

  /** Opens a subscription on the server; {@link #subscribe} starts it. */
  abstract NatsSubscription open(Set<String> names, EventHandler handler, SubscriptionOptions options);

  /** What a subscription calls when it stops. */
  final void forget(NatsSubscription sub) {
    subscriptions.remove(sub);
  }

  final void ensureOpen() {
    if (closed) {
      throw new ClosedException("event bus");
    }
    if (connection.getStatus() == Connection.Status.CLOSED) {
      throw new ClosedException("NATS connection");
    }
  }

  final boolean isClosed() {
    return closed;
  }

  @Override
  public final void close() {
    if (closed) {
      return;
    }
    closed = true;
    subscriptions.forEach(NatsSubscription::close);
    if (ownsConnection) {
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A short text naming the subscription, for thread names and error messages. */
  static String describe(Set<String> names, SubscriptionOptions options) {
    StringBuilder sb = new StringBuilder().append(names);
    if (options.queueGroup() != null) {
      sb.append(" in queue group '").append(options.queueGroup()).append('\'');
    }
    if (options.durable() != null) {
      sb.append(" durable '").append(options.durable().name()).append('\'');
    }
    return sb.toString();
  }
}
