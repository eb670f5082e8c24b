package dev.fabula.memory;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.spi.Arguments;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory {@link EventBus}. Each subscription owns a bounded queue drained by its own virtual
 * thread, so a slow handler never delays other subscribers; publishing only enqueues (no
 * artificial delay). A full queue applies the subscription's {@link OverflowPolicy}.
 *
 * <p>Whatever a handler throws, an {@link Error} included, goes to the subscription's error handler
 * and delivery goes on with the next event; an interrupt the handler leaves on its thread is
 * cleared. Should the delivery thread end anyway, the subscription is cancelled and reported, so a
 * publisher never waits on a subscriber that is gone.
 */
final class MemoryEventBus implements EventBus {
  private static final long OFFER_SLICE_MILLIS = 20;
  private static final System.Logger LOG = System.getLogger(MemoryEventBus.class.getName());

  private final Map<String, List<MemorySubscription>> byName = new ConcurrentHashMap<>();
  private final List<MemorySubscription> all = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  @Override
  public void publish(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    for (Event<?> e : events) {
      List<MemorySubscription> named = byName.get(e.name());
      if (named != null) {
        for (MemorySubscription s : named) {
          s.offer(e);
        }
      }
      List<MemorySubscription> wildcard = byName.get(ALL);
      if (wildcard != null) {
        for (MemorySubscription s : wildcard) {
          s.offer(e);
        }
      }
    }
  }

  @Override
  public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    Objects.requireNonNull(names, "names");
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(options, "options");
    ensureOpen();
    if (names.isEmpty()) {
      throw new IllegalArgumentException("subscribe to at least one event name, or \"*\" for all");
    }
    // "*" makes the other names redundant; keep only it so no event is delivered twice.
    Set<String> effective = names.contains(ALL) ? Set.of(ALL) : Set.copyOf(names);
    var sub = new MemorySubscription(effective, handler, options);
    all.add(sub);
    effective.forEach(n -> byName.computeIfAbsent(n, k -> new CopyOnWriteArrayList<>()).add(sub));
    sub.start();
    if (closed) { // lost a race with close(): do not leave a live subscription behind
      sub.close();
      throw new ClosedException("event bus");
    }
    return sub;
  }

  @Override
  public void close() {
    closed = true;
    all.forEach(MemorySubscription::close);
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("event bus");
    }
  }

  private final class MemorySubscription implements Subscription {
    private final Set<String> names;
    private final EventHandler handler;
    private final SubscriptionOptions options;
    private final ArrayBlockingQueue<Event<?>> queue;
    private final ReentrantLock delivering = new ReentrantLock();
    private volatile boolean active = true;
    private volatile Thread worker = Thread.currentThread();

    MemorySubscription(Set<String> names, EventHandler handler, SubscriptionOptions options) {
      this.names = names;
      this.handler = handler;
      this.options = options;
      this.queue = new ArrayBlockingQueue<>(options.bufferCapacity());
    }

    void start() {
      worker = Thread.ofVirtual().name("fabula-subscription-" + names).start(this::run);
    }

    void offer(Event<?> event) {
      if (!active) {
        return;
      }
      if (options.overflowPolicy() == OverflowPolicy.CANCEL_SUBSCRIPTION) {
        if (!queue.offer(event)) {
          // Report first, then stop without waiting for the stuck handler: the publisher must not
          // be held back by the subscriber it is cancelling.
          report(new SubscriberOverflowException(options.bufferCapacity()));
          stop(false);
        }
        return;
      }
      try {
        // Back-pressure: wait for room, but give up once the subscription is closed.
        while (active && !queue.offer(event, OFFER_SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
          // keep waiting
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FabulaException("interrupted while publishing to a full subscriber", e);
      }
    }

    private void run() {
      try {
        deliver();
      } finally {
        // deliver() returns only once the subscription is stopped. Should anything still end this
        // thread early, the subscription must not look alive, or publishers would wait on its full
        // queue forever: stop it and say why.
        if (active) {
          stop(false);
          report(new FabulaException(
              "the delivery thread of the subscription to " + names
                  + " ended unexpectedly; the subscription is cancelled"));
        }
      }
    }

    private void deliver() {
      while (active) {
        Event<?> event;
        try {
          event = queue.take();
        } catch (InterruptedException e) {
          // Either close() (active is now false) or an interrupt the previous handler call left
          // behind, which is not a reason to stop delivering.
          continue;
        }
        delivering.lock();
        try {
          if (!active) {
            return;
          }
          handler.handle(event);
        } catch (InterruptedException e) {
          if (!active) {
            return; // interrupted by close(): not a handler failure
          }
          report(e);
        } catch (Throwable e) { // an Error too: reported, and the next event is delivered
          report(e);
        } finally {
          delivering.unlock();
        }
      }
    }

    private void report(Throwable e) {
      try {
        options.onError().accept(e);
      } catch (Throwable failure) {
        // An error handler that fails must not kill delivery; the failure is logged instead.
        LOG.log(System.Logger.Level.ERROR, "the error handler of the subscription to " + names
            + " failed while reporting " + e, failure);
      }
    }

    @Override
    public boolean isActive() {
      return active;
    }

    @Override
    public void close() {
      stop(true);
    }

    private void stop(boolean awaitHandler) {
      if (!active) {
        return;
      }
      active = false;
      all.remove(this);
      names.forEach(n -> byName.getOrDefault(n, List.of()).remove(this));
      queue.clear();
      if (Thread.currentThread() != worker) {
        worker.interrupt();
        if (!awaitHandler) {
          return;
        }
        // Wait for a handler call in progress, so none runs after close() returns.
        delivering.lock();
        delivering.unlock();
      }
    }
  }
}
