package dev.fabula.nats;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventHandler;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.spi.Subscriptions;
import io.nats.client.BaseConsumerContext;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.StreamContext;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The event bus on NATS JetStream: at least once, from a stream that keeps the events. The stream
 * (capturing {@code <prefix>.*}) is created from the options on first use; an existing one keeps
 * its configuration, gaining only the bus's subjects and de-duplication window (a retention or
 * storage other than the options' is a {@link StreamMismatchException}); each event
 * is published with its id as the message id, so a repeat inside the de-duplication window is
 * dropped, and a publish returns once the stream acknowledged every event.
 *
 * <p>A plain subscription reads from an ordered consumer that starts at the first event published
 * after it subscribed; a {@link Durable} one from a durable consumer of that name, which resumes
 * where it stopped, acknowledges an event only after the handler returned, asks for it again when
 * the handler threw, and reports a {@link DeliveriesExhaustedException} after the last delivery. The
 * members of a queue group share one durable consumer (named after the durable subscription, or
 * after the group). Each subscription pulls into a buffer of its capacity. JetStream cannot slow a publisher
 * for a slow subscriber: under {@link OverflowPolicy#BLOCK} a full buffer holds the pulling
 * instead, the consumer falls behind and the stream keeps what it has not read (nothing is
 * dropped); under {@link OverflowPolicy#CANCEL_SUBSCRIPTION} a full buffer cancels the
 * subscription and reports a {@link dev.fabula.event.SubscriberOverflowException}.
 */
final class JetStreamBus extends NatsBus {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration PULL_EXPIRY = Duration.ofSeconds(5);
  /** The most events an acknowledged consumer pulls at once. */
  private static final int ACKED_BATCH = 16;
  private static final Duration QUEUE_CONSUMER_IDLE = Duration.ofHours(1);

  private final JetStream js;
  private final JetStreamManagement jsm;
  private volatile @Nullable StreamContext stream;

  JetStreamBus(Envelope envelope, NatsOptions options) {
    super(envelope, options);
    try {
      JetStreamOptions jso = JetStreamOptions.builder().requestTimeout(options.publishTimeout()).build();
      this.js = connection.jetStream(jso);
      this.jsm = connection.jetStreamManagement(jso);
    } catch (IOException e) {
      close();
      throw new NatsConnectionException("the NATS server at " + options.url() + " has no JetStream", e);
    }
  }

  /** The stream, created or updated to the options on first use. */
  private StreamContext stream() {
    StreamContext s = stream;
    if (s != null) {
      return s;
    }
    synchronized (this) {
      if (stream == null) {
        stream = createOrUpdateStream();
      }
      return stream;
    }
  }

  /**
   * Creates the stream from the options, or, when it exists, keeps its configuration (an
   * operator's limits, discard policy and extra subjects included) and only adds what the bus needs:
   * its subjects and the options' de-duplication window.
   */
  private StreamContext createOrUpdateStream() {
    try {
      StreamConfiguration existing;
      try {
        existing = jsm.getStreamInfo(options.stream()).getConfiguration();
      } catch (JetStreamApiException e) {
        if (e.getErrorCode() != 404) {
          throw e;
        }
        existing = null;
      }
      if (existing == null) {
        jsm.addStream(StreamConfiguration.builder()
            .name(options.stream())
            .subjects(wildcard())
            .retentionPolicy(options.retention())
            .storageType(options.storage())
            .replicas(options.replicas())
            .duplicateWindow(options.duplicateWindow())
            .build());
      } else {
        StreamConfiguration wanted = completed(existing);
        if (wanted != null) {
          jsm.updateStream(wanted);
        }
      }
      return js.getStreamContext(options.stream());
    } catch (JetStreamApiException | IOException e) {
      if (isClosed()) {
        throw new ClosedException("event bus");
      }
      throw new FabulaException("cannot create or update the JetStream stream '" + options.stream()
          + "' for subjects " + wildcard() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The existing stream's configuration with what the bus needs added, or null when it has it all.
   *
   * @throws StreamMismatchException when its retention or storage differs from the options
   */
  private @Nullable StreamConfiguration completed(StreamConfiguration existing) {
    if (existing.getRetentionPolicy() != options.retention()) {
      throw new StreamMismatchException(
          options.stream(), "retention", existing.getRetentionPolicy(), options.retention());
    }
    if (existing.getStorageType() != options.storage()) {
      throw new StreamMismatchException(options.stream(), "storage", existing.getStorageType(), options.storage());
    }
    boolean hasSubject = existing.getSubjects().contains(wildcard());
    boolean hasWindow = options.duplicateWindow().equals(existing.getDuplicateWindow());
    if (hasSubject && hasWindow) {
      return null;
    }
    StreamConfiguration.Builder b = StreamConfiguration.builder(existing);
    if (!hasSubject) {
      b.addSubjects(wildcard());
    }
    return b.duplicateWindow(options.duplicateWindow()).build();
  }

  @Override
  public void publish(List<? extends Event<?>> events) {
    List<byte[]> bodies = encodeAll(events);
    stream();
    List<CompletableFuture<PublishAck>> acks = new ArrayList<>(bodies.size());
    long deadline = System.nanoTime() + options.publishTimeout().toNanos();
    int confirmed = 0;
    try {
      for (int i = 0; i < bodies.size(); i++) {
        Event<?> e = events.get(i);
        PublishOptions po =
            PublishOptions.builder().messageId(e.id().toString()).expectedStream(options.stream()).build();
        acks.add(js.publishAsync(publishSubject(e.name()), bodies.get(i), po));
      }
      for (CompletableFuture<PublishAck> ack : acks) {
        ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        confirmed++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw notConfirmed(events, confirmed, "interrupted while waiting for JetStream", e);
    } catch (TimeoutException e) {
      throw notConfirmed(events, confirmed,
          "JetStream did not acknowledge within " + options.publishTimeout(), e);
    } catch (ExecutionException e) {
      throw notConfirmed(events, confirmed, "JetStream refused the publish", e.getCause());
    } catch (IllegalStateException e) { // closed, or the reconnect buffer is full
      if (connection.getStatus() == io.nats.client.Connection.Status.CLOSED) {
        throw new ClosedException("NATS connection");
      }
      throw notConfirmed(events, confirmed, "NATS did not take the publish", e);
    }
  }

  private static NatsPublishException notConfirmed(
      List<? extends Event<?>> events, int confirmed, String message, Throwable cause) {
    return new NatsPublishException(
        events.subList(confirmed, events.size()).stream().map(Event::id).toList(), message, cause);
  }

  @Override
  NatsSubscription open(Set<String> names, EventHandler handler, SubscriptionOptions subscription) {
    StreamContext s = stream();
    // One name: the server filters. Several: one consumer of every name, filtered here, so that
    // the subscription still sees them in stream order (nats-server 2.9 has one filter per consumer).
    boolean one = names.size() == 1;
    String filter = one ? subject(names.iterator().next()) : wildcard();
    SubjectFilter wanted = one || names.contains(ALL)
        ? SubjectFilter.all()
        : SubjectFilter.of(names.stream().map(this::subject).collect(Collectors.toSet()));
    // Pulls that expire soon: after a reconnect (the server forgot pending pulls) the client pulls
    // again within seconds rather than half a minute.
    // An acknowledged consumer's ack wait runs from the pull: pull small batches, so that few
    // events wait in the client ahead of the buffer (see JetStreamSubscription#taken).
    boolean acknowledged = subscription.durable() != null || subscription.queueGroup() != null;
    ConsumeOptions consume = ConsumeOptions.builder()
        .batchSize(acknowledged ? Math.min(subscription.bufferCapacity(), ACKED_BATCH) : subscription.bufferCapacity())
        .expiresIn(PULL_EXPIRY.toMillis())
        .build();
    Durable durable = subscription.durable();
    String group = subscription.queueGroup();
    try {
      BaseConsumerContext consumer;
      if (durable == null && group == null) {
        consumer = s.createOrderedConsumer(
            new OrderedConsumerConfiguration().filterSubject(filter).deliverPolicy(DeliverPolicy.New));
      } else {
        ConsumerConfiguration.Builder config =
            ConsumerConfiguration.builder()
                .filterSubject(filter)
                .deliverPolicy(DeliverPolicy.New)
                .ackPolicy(AckPolicy.Explicit);
        if (durable != null) {
          config.durable(Subjects.token(durable.name()))
              .ackWait(durable.ackWait())
              .maxDeliver(durable.maxDeliveries());
        } else {
          config.durable(queueConsumerName(group, names)).inactiveThreshold(QUEUE_CONSUMER_IDLE);
        }
        consumer = s.createOrUpdateConsumer(config.build());
      }
      IterableConsumer messages = consumer.iterate(consume);
      return new JetStreamSubscription(names, handler, subscription, messages, wanted);
    } catch (JetStreamApiException | IOException e) {
      throw new FabulaException("cannot open the JetStream consumer of the subscription "
          + describe(names, subscription) + " on stream '" + options.stream() + "': " + e.getMessage(), e);
    }
  }

  /**
   * The consumer a queue group's members share: named after the group's key over the subjects of
   * its event names, so that it is the group's name and names on this bus's subject prefix (buses
   * with other prefixes may share the stream).
   */
  private String queueConsumerName(String group, Set<String> names) {
    Set<String> subjects = new TreeSet<>();
    for (String name : names) {
      subjects.add(name.equals(ALL) ? wildcard() : subject(name));
    }
    return "q-" + Subjects.token(Subscriptions.queueGroupKey(group, subjects));
  }

  private final class JetStreamSubscription extends NatsSubscription {
    private final IterableConsumer messages;
    /** False for an ordered consumer: nothing to acknowledge. */
    private final boolean acknowledged;
    /** Null unless durable: then failed events are delivered again, up to its limit. */
    private final @Nullable Durable durable;
    private volatile Thread puller = Thread.currentThread();

    JetStreamSubscription(
        Set<String> names,
        EventHandler handler,
        SubscriptionOptions subscription,
        IterableConsumer messages,
        SubjectFilter wanted) {
      super(describe(names, subscription), handler, subscription, envelope, wanted, JetStreamBus.this::forget);
      this.messages = messages;
      this.durable = subscription.durable();
      this.acknowledged = durable != null || subscription.queueGroup() != null;
    }

    @Override
    void start() {
      super.start();
      puller = Thread.ofVirtual().name("fabula-nats-pull-" + description).start(this::pull);
    }

    /**
     * Pulls into the buffer. Under BLOCK a full buffer holds the puller: the consumer falls behind
     * and the stream keeps the rest; under CANCEL_SUBSCRIPTION it cancels the subscription.
     */
    private void pull() {
      while (isActive()) {
        try {
          Message m = messages.nextMessage(POLL);
          if (m != null && !enqueue(m) && acknowledged) {
            m.nak(); // closed or overflowed: back to the consumer now, not after the ack wait
          }
        } catch (InterruptedException e) {
          // close(): the loop ends as the subscription is no longer active
        } catch (Exception e) {
          if (isActive()) {
            stop(false);
            report(new FabulaException("the JetStream consumer of the subscription " + description
                + " failed, so the subscription is cancelled: " + e.getMessage(), e));
          }
        }
      }
    }

    /**
     * Tells the server the event is being handled, so its ack wait starts again: the time it spent
     * in the buffer does not count against the handler.
     */
    @Override
    void taken(Message m) {
      if (acknowledged) {
        m.inProgress();
      }
    }

    @Override
    void delivered(Message m, Outcome outcome) {
      if (!acknowledged) {
        return;
      }
      switch (outcome) {
        case HANDLED -> m.ack();
        case IGNORED -> m.ack(); // not one of the names: nobody on this consumer wants it
        case UNREADABLE -> m.term(); // reported; it will not get better
        case FAILED -> {
          if (durable == null || m.metaData().deliveredCount() >= durable.maxDeliveries()) {
            m.term(); // not durable, or the last delivery: given up (and reported)
          } else {
            m.nak();
          }
        }
        case STOPPED -> m.nak(); // closed before the handler ran: someone else may take it
      }
    }

    @Override
    void failed(Event<?> event, Message m, Throwable e) {
      long delivered = durable == null ? 1 : m.metaData().deliveredCount();
      if (durable != null && delivered >= durable.maxDeliveries()) {
        report(new DeliveriesExhaustedException(event.id(), event.name(), description, (int) delivered, e));
      } else {
        report(e);
      }
    }

    @Override
    void release() {
      puller.interrupt();
      // Stops pulling and unsubscribes.
      closeConsumer();
      if (!acknowledged) {
        return;
      }
      // Once the server has processed the unsubscribe, it drops this member's pending pull (no
      // interest) instead of handing it events published after close() returned; acknowledgements
      // sent before are processed too.
      try {
        if (!flush(JetStreamBus.this.options.publishTimeout())) {
          return; // disconnected: the ack wait hands the buffered events back
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      // What was buffered and not handled goes back to the consumer now, not after the ack wait.
      drainBuffer().forEach(Message::nak);
    }

    private void closeConsumer() {
      try {
        messages.close();
      } catch (Exception e) {
        throw new FabulaException("could not close the consumer of " + description, e);
      }
    }
  }
}
