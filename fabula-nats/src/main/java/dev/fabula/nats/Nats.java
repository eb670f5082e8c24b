package dev.fabula.nats;

import dev.fabula.codec.Codec;
import dev.fabula.event.EventBus;
import java.util.Objects;

/**
 * Creates Fabula's event buses on NATS. Both send each event as a JSON envelope (the module's
 * README) on the subject {@code <prefix>.<event name as one token>}, and both need a {@link Codec}
 * whose payloads are JSON (fabula-jackson's {@code JacksonCodec}). Both buses' {@code publish}
 * throw {@link EventTimeOutOfRangeException} for an event whose time the envelope cannot hold
 * (before about 1677 or after about 2262), and {@link IllegalArgumentException} for an event name
 * that is not well-formed UTF-16 (an unpaired surrogate), before sending anything.
 *
 * <pre>{@code
 * try (EventBus bus = Nats.jetStreamBus(JacksonCodec.create(registry),
 *     NatsOptions.builder().url("nats://nats:4222").build())) {
 *   bus.subscribe(Set.of("order.placed"), handler,
 *       SubscriptionOptions.defaults().withDurable(Durable.named("billing")));
 * }
 * }</pre>
 */
public final class Nats {
  private Nats() {}

  /**
   * The bus on core NATS: at most once, to whoever listens when an event is published; queue
   * groups share events; a durable subscription is refused with {@link
   * dev.fabula.event.UnsupportedSubscriptionException}. A full subscription buffer cancels the
   * subscription (see {@link dev.fabula.event.OverflowPolicy}: core NATS cannot slow a publisher in
   * another process, so {@code BLOCK} waits only as long as the client's pending buffer lasts).
   *
   * @throws NatsConnectionException when the server cannot be reached within the connect timeout
   */
  public static EventBus eventBus(Codec codec, NatsOptions options) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(options, "options");
    return new CoreNatsBus(new Envelope(codec), options);
  }

  /**
   * The bus on JetStream: at least once, from a stream created on first use (an existing one keeps
   * its configuration and only gains the bus's subjects and de-duplication window); duplicate
   * publishes of an event id inside the de-duplication window are dropped; durable subscriptions
   * resume by name and get events again until their handler returns (up to {@code maxDeliveries},
   * then a {@link DeliveriesExhaustedException} is reported; an event delivered again, after its
   * handler threw or its ack wait ran out, comes after events published later: the one exception
   * to publish order); queue groups share a durable
   * consumer. JetStream cannot slow a publisher: under {@code BLOCK} a slow subscriber falls
   * behind and loses nothing, under {@code CANCEL_SUBSCRIPTION} it is cancelled once its buffer
   * is full.
   *
   * @throws NatsConnectionException when the server cannot be reached within the connect timeout,
   *     or has no JetStream
   */
  public static EventBus jetStreamBus(Codec codec, NatsOptions options) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(options, "options");
    return new JetStreamBus(new Envelope(codec), options);
  }
}
