package dev.fabula.nats;

import dev.fabula.FabulaException;
import dev.fabula.event.Event;
import dev.fabula.event.EventHandler;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.spi.Subscriptions;
import io.nats.client.Message;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * What both buses' subscriptions share: a buffer of the subscription's capacity, filled by the
 * overflow policy, a virtual thread of its own that hands the buffered events to the handler one
 * at a time, the error reporting, and a close that waits for a handler call in progress (so none
 * runs after {@link #close()} returns).
 *
 * <p>Whatever a handler throws, an {@link Error} included, goes to the subscription's error handler
 * and delivery goes on; an interrupt the handler leaves on its thread is cleared. Should the
 * delivery loop end anyway, the subscription is cancelled and that is reported.
 */
abstract class NatsSubscription implements Subscription {
  private static final System.Logger LOG = System.getLogger(NatsSubscription.class.getName());

  /** What became of one message. */
  enum Outcome {
    /** The handler returned. */
    HANDLED,
    /** The handler threw; it was reported. */
    FAILED,
    /** Not one of the subscription's names: ignored. */
    IGNORED,
    /** Not an event this bus can read: reported. */
    UNREADABLE,
    /** The subscription was closed before the handler ran. */
    STOPPED
  }

  final String description;
  final SubscriptionOptions options;
  private final EventHandler handler;
  private final Envelope envelope;
  private final Consumer<NatsSubscription> onStop;
  private static final long OFFER_SLICE_MILLIS = 20;

  private final SubjectFilter wanted;
  private final ArrayBlockingQueue<Message> buffer;
  private final ReentrantLock delivering = new ReentrantLock();
  private volatile boolean active = true;
  private volatile Thread worker = Thread.currentThread();

  NatsSubscription(
      String description,
      EventHandler handler,
      SubscriptionOptions options,
      Envelope envelope,
      SubjectFilter wanted,
      Consumer<NatsSubscription> onStop) {
    this.description = description;
    this.wanted = wanted;
    this.buffer = new ArrayBlockingQueue<>(options.bufferCapacity());
    this.handler = handler;
    this.options = options;
    this.envelope = envelope;
    this.onStop = onStop;
  }

  /** Starts the delivery thread. */
  void start() {
    worker = Thread.ofVirtual().name("fabula-nats-" + description).start(this::run);
  }

  /**
   * Puts a message into the subscription's buffer by its overflow policy: under {@link
   * OverflowPolicy#CANCEL_SUBSCRIPTION} a full buffer cancels the subscription and reports a
   * {@link SubscriberOverflowException}; under {@link OverflowPolicy#BLOCK} the caller (a NATS
   * dispatcher, a JetStream puller) waits for room.
   *
   * @return whether the message went into the buffer
   */
  final boolean enqueue(Message m) {
    if (!active) {
      return false;
    }
    if (options.overflowPolicy() == OverflowPolicy.CANCEL_SUBSCRIPTION) {
      if (buffer.offer(m)) {
        return true;
      }
      overflowed();
      return false;
    }
    try {
      while (active) {
        if (buffer.offer(m, OFFER_SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /**
   * Cancels the subscription for being too slow and says so: stopped first (so it no longer says
   * it is active), without waiting for the stuck handler, then reported.
   */
  final void overflowed() {
    stop(false);
    report(new SubscriberOverflowException(options.bufferCapacity()));
  }

  /** Hands the buffered messages to the handler until the subscription is no longer active. */
  private void loop() {
    while (active) {
      Message m;
      try {
        m = buffer.take();
      } catch (InterruptedException e) {
        continue; // close() (then no longer active), or an interrupt left behind by a handler
      }
      taken(m);
      // The outcome is acknowledged before the lock is released: close() waits for the lock, so
      // every event whose handler returned is acknowledged (and then flushed) before it returns.
      delivering.lock();
      try {
        delivered(m, deliver(m));
      } finally {
        delivering.unlock();
      }
    }
  }

  /** Called when a message leaves the buffer to be handled; nothing by default. */
  void taken(Message m) {}

  /** What becomes of a message after delivery (JetStream acknowledges); nothing by default. */
  void delivered(Message m, Outcome outcome) {}

  /**
   * Gives back what the subscription holds on the server; called once, when it stops. The
   * buffer is cleared afterwards: an implementation may hand its messages back first.
   */
  abstract void release();

  /** Takes out whatever is still buffered. */
  final java.util.List<Message> drainBuffer() {
    java.util.List<Message> left = new java.util.ArrayList<>();
    buffer.drainTo(left);
    return left;
  }

  private void run() {
    try {
      loop();
    } catch (Throwable e) {
      if (active) {
        report(e);
      }
    } finally {
      if (active) {
        stop(false);
        report(new FabulaException(
            "the delivery of the subscription " + description + " ended unexpectedly; it is cancelled"));
      }
    }
  }

  /**
   * Reads the message and hands its event to the handler, unless it is not one of the
   * subscription's names or the subscription was closed.
   */
  private Outcome deliver(Message m) {
    String subject = m.getSubject();
    if (!wanted.test(subject)) {
      return Outcome.IGNORED;
    }
    List<Event<?>> events;
    try {
      events = envelope.decodeAll(subject, m.getData()); // one, or what event upcasters make of it
    } catch (BadMessageException e) {
      report(e);
      return Outcome.UNREADABLE;
    }
    if (events.size() == 1) {
      return handle(events.get(0), m);
    }
    Outcome outcome = Outcome.IGNORED; // dropped by an event upcaster: nobody wants it
    for (Event<?> event : events) {
      outcome = handle(event, m);
      if (outcome != Outcome.HANDLED) {
        return outcome;
      }
    }
    return outcome;
  }

  private Outcome handle(Event<?> event, Message m) {
    try {
      if (!active) {
        return Outcome.STOPPED;
      }
      handler.handle(event);
      return Outcome.HANDLED;
    } catch (InterruptedException e) {
      if (!active) {
        return Outcome.STOPPED; // interrupted by close(): not a handler failure
      }
      failed(event, m, e);
      return Outcome.FAILED;
    } catch (Throwable e) { // an Error too: reported, and delivery goes on
      failed(event, m, e);
      return Outcome.FAILED;
    } finally {
      Thread.interrupted(); // an interrupt the handler left behind is not a reason to stop
    }
  }

  /** Reports a handler failure; a durable subscription says more when it gives up. */
  void failed(Event<?> event, Message m, Throwable e) {
    report(e);
  }

  final void report(Throwable e) {
    Subscriptions.report(options, e, "the subscription " + description);
  }

  @Override
  public final boolean isActive() {
    return active;
  }

  @Override
  public final void close() {
    stop(true);
  }

  /**
   * Stops delivery. With {@code awaitHandler}, waits for a handler call in progress; without, it
   * also gives back the server's resources on another thread, so a NATS dispatcher thread that
   * cancels its own subscription does not wait on itself.
   */
  final void stop(boolean awaitHandler) {
    synchronized (this) {
      if (!active) {
        return;
      }
      active = false;
    }
    onStop.accept(this);
    boolean own = Thread.currentThread() == worker;
    if (!own) {
      worker.interrupt();
    }
    Runnable giveBack = () -> {
      safely(this::release);
      buffer.clear();
    };
    if (awaitHandler) {
      if (!own) {
        // Wait for a handler call in progress and its acknowledgement, so none runs after close()
        // returns; only then give back (which flushes the acknowledgements).
        delivering.lock();
        delivering.unlock();
      }
      giveBack.run();
    } else {
      Thread.ofVirtual().start(giveBack);
    }
  }

  private void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "could not release the subscription " + description, e);
    }
  }
}
