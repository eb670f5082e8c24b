package dev.fabula.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.FabulaException;
import java.lang.ref.WeakReference;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Keeps one connection of a HikariCP pool out of reach of cursor reads, so that whoever reads a
 * long stream and writes while reading it always finds a connection for the write.
 *
 * <p>A cursor read ({@link ReadAhead}) holds its connection until the stream is closed, however
 * long the caller takes per row. A projection job does exactly that: it reads the store through a
 * cursor and, for each event, an exactly-once read model ({@link TxProjection}) takes a second
 * connection for its transaction. With as many such jobs as the pool has connections, every
 * connection ended up held by a read whose caller waited for a connection to write, and all of
 * them waited until the pool's timeout. Here at most {@code maximumPoolSize - 1} cursor reads of
 * one pool are open at a time (at least one); a further read waits until one closes, as long as
 * the pool would make it wait for a connection, and then fails with a {@link
 * PostgresConnectionException} that says so. The connection left over serves everything that
 * holds a connection only briefly (transactions, inserts, short queries), which never wait for
 * another connection while holding one, so it always comes free again.
 *
 * <p>The limit follows the pool's current {@code maximumPoolSize}. Data sources other than a
 * HikariCP pool are not limited: their size is unknown here.
 */
final class ReadSlots {
  private static final ReentrantLock REGISTRY = new ReentrantLock();
  private static final Map<DataSource, ReadSlots> SLOTS = new WeakHashMap<>();

  /**
   * Weakly held: the registry's values must not reach its keys, or no pool would ever leave it.
   */
  private final WeakReference<HikariDataSource> pool;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition freed = lock.newCondition();
  private int open;

  private ReadSlots(HikariDataSource pool) {
    this.pool = new WeakReference<>(pool);
  }

  /** The pool's maximum size; 2 (one read slot) if the pool is gone already. */
  private int poolSize() {
    HikariDataSource p = pool.get();
    return p == null ? 2 : p.getMaximumPoolSize();
  }

  /** The slots of {@code ds}'s pool, or null when {@code ds} is not a HikariCP pool. */
  static @Nullable ReadSlots of(DataSource ds) {
    if (!(ds instanceof HikariDataSource h)) {
      return null;
    }
    REGISTRY.lock();
    try {
      return SLOTS.computeIfAbsent(h, k -> new ReadSlots(h));
    } finally {
      REGISTRY.unlock();
    }
  }

  /** How many cursor reads may be open at once now. */
  int limit() {
    return Math.max(1, poolSize() - 1);
  }

  /** How many cursor reads are open now. */
  int open() {
    lock.lock();
    try {
      return open;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a slot, waiting at most the pool's connection timeout for one to come free.
   *
   * @throws NoSlotException when none came free in time
   * @throws FabulaException when interrupted while waiting (the interrupt is kept)
   */
  void acquire(String what) throws SQLTransientConnectionException {
    HikariDataSource p = pool.get();
    long timeout = p == null ? 0 : p.getConnectionTimeout();
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(timeout);
      while (open >= limit()) {
        if (nanos <= 0) {
          throw new NoSlotException(
              "no connection for " + what + " within " + timeout + " ms: " + open + " of the pool's "
                  + poolSize() + " connections are held by open streams, and one is"
                  + " kept for writes (close streams when done, or make the pool larger)");
        }
        nanos = freed.awaitNanos(nanos);
      }
      open++;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while waiting for a connection for " + what, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * No read slot came free within the pool's connection timeout: the connections are fine, they
   * are all held by open streams. {@link Pg#translate} says so rather than "lost the connection".
   */
  static final class NoSlotException extends SQLTransientConnectionException {
    private static final long serialVersionUID = 1L;

    NoSlotException(String message) {
      super(message);
    }
  }

  /** Gives a slot back. */
  void release() {
    lock.lock();
    try {
      open--;
      freed.signal();
    } finally {
      lock.unlock();
    }
  }
}
