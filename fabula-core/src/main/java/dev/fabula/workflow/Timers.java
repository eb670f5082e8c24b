package dev.fabula.workflow;

import dev.fabula.spi.WorkflowProtocol.RecordedTimeout;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The active timeouts this service knows of, in due order. The store is the truth: the table is
 * refreshed from each committed instance and from every resync, and a firing re-checks the
 * instance, so a stale entry costs at most a firing that does nothing.
 */
final class Timers {
  /** An instance of a workflow. */
  record Instance(String workflow, UUID id) {}

  /** One active timeout of an instance. */
  record Due(Instance instance, RecordedTimeout timeout) {}

  private static final Comparator<Due> ORDER =
      Comparator.comparing((Due d) -> d.timeout().due())
          .thenComparing(d -> d.timeout().effectId());

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final TreeSet<Due> queue = new TreeSet<>(ORDER);
  private final Map<Instance, Entry> byInstance = new HashMap<>();

  private record Entry(int version, List<Due> dues) {}

  /**
   * Replaces what is known of {@code instance} by its timeouts at {@code version}, unless a later
   * version is already known.
   */
  void replace(Instance instance, int version, Collection<RecordedTimeout> active) {
    lock.lock();
    try {
      Entry known = byInstance.get(instance);
      if (known != null) {
        if (known.version() > version) {
          return;
        }
        known.dues().forEach(queue::remove);
        byInstance.remove(instance);
      }
      if (!active.isEmpty()) {
        List<Due> dues = new ArrayList<>(active.size());
        for (RecordedTimeout t : active) {
          Due due = new Due(instance, t);
          dues.add(due);
          queue.add(due);
        }
        byInstance.put(instance, new Entry(version, dues));
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Removes and returns the timeouts due at {@code now}, earliest first. */
  List<Due> takeDue(Instant now) {
    lock.lock();
    try {
      List<Due> due = new ArrayList<>();
      while (!queue.isEmpty() && !queue.first().timeout().due().isAfter(now)) {
        Due d = queue.pollFirst();
        due.add(d);
        Entry entry = byInstance.get(d.instance());
        if (entry != null) {
          entry.dues().remove(d);
          if (entry.dues().isEmpty()) {
            byInstance.remove(d.instance());
          }
        }
      }
      return due;
    } finally {
      lock.unlock();
    }
  }

  /** The earliest due time, or {@code null} when nothing is scheduled. */
  @Nullable Instant next() {
    lock.lock();
    try {
      return queue.isEmpty() ? null : queue.first().timeout().due();
    } finally {
      lock.unlock();
    }
  }

  /** How many timeouts are active. */
  int size() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the earliest timeout is due by {@code clock}, a change arrives, or {@code capNanos}
   * passed, whichever comes first (the cap lets a clock that jumps be noticed).
   */
  void awaitDue(InstantSource clock, long capNanos) throws InterruptedException {
    lock.lock();
    try {
      long wait = capNanos;
      if (!queue.isEmpty()) {
        Instant next = queue.first().timeout().due();
        wait = Math.min(wait, Math.max(0, Duration.between(clock.instant(), next).toNanos()));
      }
      if (wait > 0) {
        changed.awaitNanos(wait);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the waiting thread. */
  void wake() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
