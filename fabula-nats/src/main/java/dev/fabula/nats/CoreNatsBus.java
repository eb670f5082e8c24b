package dev.fabula.nats;

import dev.fabula.ClosedException;
import dev.fabula.event.Event;
import dev.fabula.event.EventHandler;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import dev.fabula.spi.PublishNeverWaits;
import dev.fabula.spi.Subscriptions;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * The event bus on core NATS: at most once, to whoever listens when the event is published. Each
 * subscription has a NATS dispatcher of its own feeding a bounded queue (its buffer capacity) that
 * its delivery thread drains; queue groups are NATS queue subscriptions.
 *
 * <p>A full buffer under {@link OverflowPolicy#CANCEL_SUBSCRIPTION} cancels the subscription and
 * reports a {@link SubscriberOverflowException}. Core NATS cannot slow a publisher in another
 * process, so {@link OverflowPolicy#BLOCK} holds the subscription's dispatcher instead, and the
 * messages wait in the client's pending buffer (jnats' limits: 512 Ki messages, 64 MiB); should
 * that overflow, the client drops messages, and the subscription is cancelled and reports a
 * {@link SubscriberOverflowException} rather than go on with a gap.
 */
final class CoreNatsBus extends NatsBus implements PublishNeverWaits {
  CoreNatsBus(Envelope envelope, NatsOptions options) {
    super(envelope, options);
  }

  @Override
  public void publish(List<? extends Event<?>> events) {
    List<byte[]> bodies = encodeAll(events);
    for (int i = 0; i < bodies.size(); i++) {
      try {
        connection.publish(publishSubject(events.get(i).name()), bodies.get(i));
      } catch (IllegalStateException e) { // closed, or the reconnect buffer is full
        if (connection.getStatus() == Connection.Status.CLOSED) {
          throw new ClosedException("NATS connection");
        }
        throw new NatsPublishException(
            events.subList(i, events.size()).stream().map(Event::id).toList(),
            "NATS did not take the publish", e);
      }
    }
  }

  @Override
  NatsSubscription open(Set<String> names, EventHandler handler, SubscriptionOptions subscription) {
    if (subscription.durable() != null) {
      throw new UnsupportedSubscriptionException(
          "core NATS delivers at most once and keeps nothing, so it cannot keep the durable subscription '"
              + subscription.durable().name() + "'; use the JetStream bus (Nats.jetStreamBus) for that");
    }
    var sub = new CoreSubscription(names, handler, subscription);
    String group = subscription.queueGroup();
    // A NATS queue is per subject; named after the group and all its event names, members that
    // asked for other names are not in it.
    String queue = group == null ? null : Subjects.token(Subscriptions.queueGroupKey(group, names));
    for (String name : names) {
      String subject = subject(name);
      if (queue == null) {
        sub.dispatcher.subscribe(subject);
      } else {
        sub.dispatcher.subscribe(subject, queue);
      }
    }
    boolean confirmed;
    try {
      // The server knows the interest once the flush returns: a publish after subscribe() reaches
      // it. While disconnected, the client subscribes again when it reconnects, before it sends
      // the publishes it buffered.
      confirmed = flush(options.connectTimeout()) || connection.getStatus() != Connection.Status.CONNECTED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the caller's to handle; the subscription stands
      return sub;
    }
    if (!confirmed) {
      sub.close();
      throw new NatsConnectionException("the NATS server at " + connection.getConnectedUrl()
          + " did not confirm the subscription " + describe(names, subscription), new TimeoutException(
              "no answer within the connect timeout of " + options.connectTimeout().toMillis() + " ms"));
    }
    return sub;
  }

  private final class CoreSubscription extends NatsSubscription {
    private final Dispatcher dispatcher;

    CoreSubscription(Set<String> names, EventHandler handler, SubscriptionOptions subscription) {
      // The server routes exactly by subject: every message is one of the names.
      super(describe(names, subscription), handler, subscription, envelope, SubjectFilter.all(),
          CoreNatsBus.this::forget);
      this.dispatcher = connection.createDispatcher(this::offer);
    }

    /** On the dispatcher's thread. */
    private void offer(Message m) {
      if (dispatcher.getDroppedCount() > 0) {
        // The client's pending buffer overflowed and dropped messages: no silent gap.
        if (isActive()) {
          overflowed();
        }
        return;
      }
      enqueue(m);
    }

    @Override
    void release() {
      if (connection.getStatus() != Connection.Status.CLOSED) {
        connection.closeDispatcher(dispatcher);
      }
    }
  }
}
