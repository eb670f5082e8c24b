package dev.fabula.tck;

import dev.fabula.ClosedException;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.memory.InMemory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A small bus with everything the bus suite can ask for, built for the kit's own tests: buses on
 * one shared {@link Transport}, durable subscriptions kept by name in that transport. {@link
 * ReferenceBusTest} shows the durable and shared-transport cases can pass before a real bus
 * (JetStream) runs them; with a {@link Fault}, {@link KitSelfTest} shows they catch it.
 *
 * <p>The transport holds one in-memory bus, which carries plain subscriptions and queue groups,
 * and a log of every published event with a cursor per durable name. A durable subscription reads
 * the log from its cursor, advances it only after the handler returned, delivers again at once
 * when the handler threw, and after {@link Durable#maxDeliveries()} failures reports that it gave
 * up and moves on. Not for use: everything is lost with the JVM, so it only pretends to be durable.
 */
final class ReferenceBus {
  private ReferenceBus() {}

  /** The one promise a reference bus breaks, if any. */
  enum Fault {
    /** None: the bus keeps every promise. */
    NONE,
    /** A durable subscription's cursor is never saved: after a restart, handled events come again. */
    FORGETS_ACKS,
    /** A durable subscription's handler that throws never gets the event again (at most once). */
    NO_REDELIVERY
  }

  /** A new transport, with {@code fault}; {@link Transport#newBus()} connects to it. */
  static Transport transport(Fault fault) {
    return new Transport(fault);
  }

  /** What the buses of one test share, as processes share a server. */
  static final class Transport {
    final Fault fault;
    final EventBus carrier = InMemory.eventBus();
    final List<Event<?>> log = new ArrayList<>(); // guarded by this
    final Map<String, Integer> cursors = new HashMap<>(); // guarded by this

    Transport(Fault fault) {
      this.fault = fault;
    }

    /** A new bus on this transport, as another process would connect. */
    EventBus newBus() {
      return new Connection(this);
    }

    synchronized void append(List<? extends Event<?>> events) {
      log.addAll(events);
      notifyAll();
    }

    /** The cursor of {@code name}, created at the end of the log. */
    synchronized int cursor(String name) {
      return cursors.computeIfAbsent(name, n -> log.size());
    }

    synchronized void advance(String name, int next) {
      if (fault != Fault.FORGETS_ACKS) {
        cursors.put(name, next);
      }
    }

    /** The event at {@code index}, waiting until it is published; null once {@code waiter} is closed. */
    synchronized @Nullable Event<?> await(int index, DurableSubscription waiter) throws InterruptedException {
      while (waiter.active && log.size() <= index) {
        wait();
      }
      return waiter.active ? log.get(index) : null;
    }

    synchronized void wake() {
      notifyAll();
    }
  }

  /** One process's connection to the transport: closing it closes only its own subscriptions. */
  private static final class Connection implements EventBus {
    private final Transport transport;
    private final List<Subscription> own = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    Connection(Transport transport) {
      this.transport = transport;
    }

    @Override
    public void publish(List<? extends Event<?>> events) {
      ensureOpen();
      transport.append(events);
      transport.carrier.publish(events);
    }

    @Override
    public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
      ensureOpen();
      Durable durable = options.durable();
      Subscription sub;
      if (durable == null) {
        sub = transport.carrier.subscribe(names, handler, options);
      } else {
        if (names.isEmpty()) {
          throw new IllegalArgumentException("no names");
        }
        sub = new DurableSubscription(transport, names, handler, options, durable);
      }
      own.add(sub);
      return sub;
    }

    private void ensureOpen() {
      if (closed) {
        throw new ClosedException("reference bus");
      }
    }

    @Override
    public void close() {
      closed = true;
      own.forEach(Subscription::close);
    }
  }

  private static final class DurableSubscription implements Subscription {
    private final Transport transport;
    private final Set<String> names;
    private final EventHandler handler;
    private final SubscriptionOptions options;
    private final Durable durable;
    private final ReentrantLock delivering = new ReentrantLock();
    private final Thread worker;
    volatile boolean active = true;

    DurableSubscription(
        Transport transport, Set<String> names, EventHandler handler, SubscriptionOptions options, Durable durable) {
      this.transport = transport;
      this.names = names;
      this.handler = handler;
      this.options = options;
      this.durable = durable;
      int start = transport.cursor(durable.name());
      this.worker = Thread.ofVirtual().start(() -> run(start));
    }

    private void run(int start) {
      int next = start;
      try {
        while (active) {
          Event<?> e = transport.await(next, this);
          if (e == null) {
            return;
          }
          delivering.lock();
          try {
            if (!active) {
              return;
            }
            if (names.contains(EventBus.ALL) || names.contains(e.name())) {
              deliver(e);
            }
            transport.advance(durable.name(), ++next);
          } finally {
            delivering.unlock();
          }
        }
      } catch (InterruptedException stopped) {
        // closed
      }
    }

    private void deliver(Event<?> e) {
      for (int attempt = 1; attempt <= durable.maxDeliveries(); attempt++) {
        try {
          handler.handle(e);
          return;
        } catch (Throwable failure) {
          options.onError().accept(failure);
          if (transport.fault == Fault.NO_REDELIVERY) {
            return;
          }
        }
      }
      options
          .onError()
          .accept(
              new IllegalStateException(
                  "gave up on event " + e.id() + " after " + durable.maxDeliveries() + " deliveries"));
    }

    @Override
    public boolean isActive() {
      return active;
    }

    @Override
    public void close() {
      active = false;
      transport.wake();
      if (Thread.currentThread() != worker) {
        delivering.lock();
        delivering.unlock();
      }
    }
  }
}
