/**
 * Event buses on NATS: {@link dev.fabula.nats.Nats#eventBus core NATS} delivers at most once to
 * whoever listens, {@link dev.fabula.nats.Nats#jetStreamBus JetStream} keeps events in a stream
 * and delivers at least once, with durable subscriptions. Both send events in the JSON envelope
 * described in the module's README.
 */
@NullMarked
package dev.fabula.nats;

import org.jspecify.annotations.NullMarked;
