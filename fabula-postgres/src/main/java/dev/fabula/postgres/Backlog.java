package dev.fabula.postgres;

import dev.fabula.event.EventHandler;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Counts the events a PostgreSQL event bus published that its pump has not passed yet, and holds
 * its publishers while more of them wait than a {@link dev.fabula.event.OverflowPolicy#BLOCK}
 * subscription of the bus can buffer (ADR 0017): a pump held by a full subscription so holds this
 * bus's publishers; {@link #close()} releases them.
 */
final class Backlog {
  /** How long a waiting publisher sleeps before it looks whether the bus closed. */
  private static final long WAIT_SLICE_MILLIS = 50;

  /**
   * Set on a thread while it runs a handler of a PostgreSQL event bus subscription: such a
   * publisher is never held, since the pump it would wait for may be waiting for that very
   * handler (a handler that publishes a reply would otherwise deadlock its bus).
   */
  private static final ThreadLocal<Boolean> DELIVERING = new ThreadLocal<>();

  private final LongSupplier limit;
  /**
   * Events this bus published that its pump has not passed yet, by the bus position of the last
   * event of the statement that wrote each publish; guarded by {@link #lock}. Publishers wait on {@link #pumped} while there
   * are more than {@link #limit} allows.
   */
  private final TreeMap<Long, Integer> pending = new TreeMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition pumped = lock.newCondition();
  private long backlog;
  /** The last position the pump passed; guarded by {@link #lock}. */
  private long passed;
  private volatile boolean closed;

  /**
   * A backlog whose pump starts after {@code start}, and whose publishers wait while more events
   * wait than {@code limit} says (the smallest BLOCK buffer of the bus).
   */
  Backlog(long start, LongSupplier limit) {
    this.passed = start;
    this.limit = limit;
  }

  /**
   * Counts {@code count} events just published (those a BLOCK subscription wants), up to bus
   * position {@code last}, until the pump passes it.
   */
  void add(long last, int count) {
    if (count == 0) {
      return;
    }
    lock.lock();
    try {
      if (last > passed) {
        pending.merge(last, count, Integer::sum);
        backlog += count;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code handler} on {@code event} marked as a delivery, whose publishes {@link #awaitRoom()} never holds. */
  static EventHandler delivering(EventHandler handler) {
    return event -> {
      DELIVERING.set(Boolean.TRUE);
      try {
        handler.handle(event);
      } finally {
        DELIVERING.remove();
      }
    };
  }

  /**
   * Waits while more of this bus's events wait for the pump than the limit allows, or until close;
   * returns at once on a thread that delivers events of a PostgreSQL bus. The publisher's events
   * are stored by then, so an interrupt ends only the wait: it returns with the interrupt kept,
   * rather than fail a publish that succeeded.
   */
  void awaitRoom() {
    if (DELIVERING.get() != null) {
      return;
    }
    lock.lock();
    try {
      while (!closed && backlog > limit.getAsLong()) {
        pumped.await(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  /** The pump passed {@code position}: this bus's events up to it no longer count as waiting. */
  void passed(long position) {
    lock.lock();
    try {
      passed = position;
      if (pending.isEmpty() || pending.firstKey() > position) {
        return;
      }
      var done = pending.headMap(position, true);
      for (int n : done.values()) {
        backlog -= n;
      }
      done.clear();
      pumped.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Releases every waiting publisher, now and later. */
  void close() {
    closed = true;
    lock.lock();
    try {
      pumped.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
