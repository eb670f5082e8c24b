package dev.fabula.memory;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.Subscriptions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory {@link EventBus}. Each subscription owns a bounded queue drained by its own virtual
 * thread, so a slow handler never delays other subscribers; publishing only enqueues (no
 * artificial delay). A full queue applies the subscription's {@link OverflowPolicy}.
 *
 * <p>Whatever a handler throws, an {@link Error} included, goes to the subscription's error handler
 * and delivery goes on with the next event; an interrupt the handler leaves on its thread is
 * cleared. Should the delivery thread end anyway, the subscription is cancelled and reported, so a
 * publisher never waits on a subscriber that is gone.
 *
 * <p>Queue groups: subscriptions with the same {@linkplain SubscriptionOptions#queueGroup() group}
 * and the same event names form one group (the same group name with other event names is another
 * group). Each event goes to the least loaded member (fewest events queued or in its handler; among
 * equals, in turn), so a member stuck in a slow handler does not hold events that an idle member
 * could handle, and the publisher waits only when every member is full. A full member's own
 * overflow policy applies when it is chosen: back-pressure waits for room in any member, and a
 * cancelled member leaves the group while its event goes to another. A member that closes leaves
 * the group (what it had buffered is discarded, as for any closed subscription).
 *
 * <p>Durable subscriptions are refused: this bus keeps nothing across a restart.
 */
final class MemoryEventBus implements EventBus {
  private static final long OFFER_SLICE_MILLIS = 20;

  private final Map<String, List<Receiver>> byName = new ConcurrentHashMap<>();
  private final List<MemorySubscription> all = new CopyOnWriteArrayList<>();
  /** The live queue groups; guarded by itself, so that joining and leaving do not race. */
  private final Map<GroupKey, QueueGroup> groups = new HashMap<>();
  private volatile boolean closed;

  @Override
  public void publish(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    for (Event<?> e : events) {
      List<Receiver> named = byName.get(e.name());
      if (named != null) {
        for (Receiver r : named) {
          r.offer(e);
        }
      }
      List<Receiver> wildcard = byName.get(ALL);
      if (wildcard != null) {
        for (Receiver r : wildcard) {
          r.offer(e);
        }
      }
    }
  }

  @Override
  public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    Set<String> effective = Subscriptions.effectiveNames(names, handler, options);
    ensureOpen();
    Durable durable = options.durable();
    if (durable != null) {
      throw new UnsupportedSubscriptionException(
          "the in-memory event bus keeps nothing across a restart, so it cannot keep the durable"
              + " subscription \"" + durable.name() + "\": use a bus that keeps durable"
              + " subscriptions (such as a JetStream bus), or follow the event store by position,"
              + " as a projection schedule does, and subscribe here without durable() to be woken");
    }
    String group = options.queueGroup();
    var sub =
        new MemorySubscription(
            effective, group == null ? null : new GroupKey(group, effective), handler, options);
    all.add(sub);
    if (sub.group == null) {
      effective.forEach(n -> register(n, sub));
    } else {
      join(sub.group, sub);
    }
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

  private void register(String name, Receiver receiver) {
    byName.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(receiver);
  }

  private void unregister(Set<String> names, Receiver receiver) {
    names.forEach(n -> byName.getOrDefault(n, List.of()).remove(receiver));
  }

  private void join(GroupKey key, MemorySubscription member) {
    synchronized (groups) {
      QueueGroup group =
          groups.computeIfAbsent(
              key,
              k -> {
                var created = new QueueGroup();
                k.names().forEach(n -> register(n, created));
                return created;
              });
      group.add(member);
    }
  }

  private void leave(GroupKey key, MemorySubscription member) {
    synchronized (groups) {
      QueueGroup group = groups.get(key);
      if (group != null && group.remove(member)) {
        groups.remove(key);
        unregister(key.names(), group);
      }
    }
  }

  /** Where {@link #publish} hands an event: a subscription, or a queue group that picks one. */
  private interface Receiver {
    void offer(Event<?> event);
  }

  /** A queue group's identity: its name and the event names its members subscribed to. */
  private record GroupKey(String group, Set<String> names) {}

  /** The members of one queue group; each event goes to the least loaded one. */
  private static final class QueueGroup implements Receiver {
    /** Replaced, never changed, under the bus's group lock, so publishers read it without one. */
    private volatile MemorySubscription[] members = new MemorySubscription[0];

    private final AtomicInteger turn = new AtomicInteger();

    void add(MemorySubscription member) {
      MemorySubscription[] current = members;
      MemorySubscription[] grown = Arrays.copyOf(current, current.length + 1);
      grown[current.length] = member;
      members = grown;
    }

    /** Removes {@code member}; whether the group is empty now. */
    boolean remove(MemorySubscription member) {
      members = Arrays.stream(members).filter(m -> m != member).toArray(MemorySubscription[]::new);
      return members.length == 0;
    }

    @Override
    public void offer(Event<?> event) {
      while (true) {
        MemorySubscription member = leastLoaded();
        if (member == null) {
          return; // every member has left: like a name nobody subscribes to
        }
        // The least loaded member is full only when all are: then its own policy decides (wait a
        // slice for room, or cancel it), and the choice is made again.
        if (member.tryOffer(event) || member.offerOnce(event)) {
          if (member.isActive() || !member.takeBack(event)) {
            return;
          }
          // it closed as the event arrived and the event is still queued there: choose again
        }
      }
    }

    private @Nullable MemorySubscription leastLoaded() {
      MemorySubscription[] current = members;
      int n = current.length;
      if (n == 0) {
        return null;
      }
      int start = Math.floorMod(turn.getAndIncrement(), n);
      MemorySubscription best = null;
      int bestLoad = Integer.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        MemorySubscription m = current[(start + i) % n];
        if (!m.isActive()) {
          continue;
        }
        int load = m.load();
        if (load < bestLoad) {
          best = m;
          bestLoad = load;
          if (load == 0) {
            break;
          }
        }
      }
      return best;
    }
  }

  private final class MemorySubscription implements Subscription, Receiver {
    private final Set<String> names;
    private final @Nullable GroupKey group;
    private final EventHandler handler;
    private final SubscriptionOptions options;
    private final ArrayBlockingQueue<Event<?>> queue;
    private final ReentrantLock delivering = new ReentrantLock();
    private volatile boolean active = true;
    private volatile Thread worker = Thread.currentThread();

    MemorySubscription(
        Set<String> names, @Nullable GroupKey group, EventHandler handler, SubscriptionOptions options) {
      this.names = names;
      this.group = group;
      this.handler = handler;
      this.options = options;
      this.queue = new ArrayBlockingQueue<>(options.bufferCapacity());
    }

    void start() {
      worker = Thread.ofVirtual().name("fabula-subscription-" + names).start(this::run);
    }

    /** Queues the event under the overflow policy, unless the subscription stops first. */
    @Override
    public void offer(Event<?> event) {
      // Back-pressure: wait for room, but give up once the subscription is closed.
      while (active && !offerOnce(event)) {
        // keep waiting
      }
    }

    /** Queues the event if there is room now. */
    boolean tryOffer(Event<?> event) {
      return active && queue.offer(event);
    }

    /**
     * One attempt under the overflow policy: waits one slice for room under back-pressure; cancels
     * the subscription when it is full under cancellation. Whether the event was queued.
     */
    boolean offerOnce(Event<?> event) {
      if (!active) {
        return false;
      }
      if (options.overflowPolicy() == OverflowPolicy.CANCEL_SUBSCRIPTION) {
        if (queue.offer(event)) {
          return true;
        }
        // Stop without waiting for the stuck handler (the publisher must not be held back by the
        // subscriber it is cancelling), then report: whoever hears of the cancellation sees an
        // inactive subscription, as on every bus.
        stop(false);
        report(new SubscriberOverflowException(options.bufferCapacity()));
        return false;
      }
      try {
        return queue.offer(event, OFFER_SLICE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FabulaException("interrupted while publishing to a full subscriber", e);
      }
    }

    /** Removes a queued event that this stopped subscription will never deliver; whether it was there. */
    boolean takeBack(Event<?> event) {
      return queue.remove(event);
    }

    /** The events queued, and the one in the handler if any. */
    int load() {
      return queue.size() + (delivering.isLocked() ? 1 : 0);
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
      Subscriptions.report(options, e, "the subscription to " + names);
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
      if (group == null) {
        unregister(names, this);
      } else {
        leave(group, this);
      }
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
