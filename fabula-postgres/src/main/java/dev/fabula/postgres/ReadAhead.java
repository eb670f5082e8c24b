package dev.fabula.postgres;

import dev.fabula.FabulaException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The rows of a cursor query, read by a thread of their own while the caller decodes them.
 *
 * <p>Through a cursor, pgjdbc fetches {@code fetchSize} rows per round trip and asks for the next
 * batch only when the caller has used up the last one, so server and client take turns: the server
 * idles while the client decodes, the client waits while the server computes. Here a reader thread
 * runs the JDBC side (execute, {@code next()}, {@link Pg.RowReader#extract copying the columns
 * out}) and queues each batch of raw rows, while the stream's thread {@linkplain
 * Pg.RowReader#decode decodes} the batch before: the server computes batch k+1 while the caller
 * decodes batch k.
 *
 * <p><b>Bounded.</b> At most {@value #QUEUED_BATCHES} batches wait in the queue, besides the one
 * the reader fills and the one the caller decodes: a full reader waits for the caller.
 *
 * <p><b>One thread per connection.</b> Every JDBC call on the connection, from {@code
 * getConnection()} to the rollback and close that release it, runs on the reader thread, except
 * {@link Statement#cancel()}, which pgjdbc allows from another thread.
 *
 * <p><b>Failures</b> reach the caller where they happened in the row order: the rows read before
 * a failure are delivered first. Driver failures are translated by {@link Pg#translate} on the
 * caller's thread, as the plain path does ("querying" while the query opens, "reading" after);
 * decoding failures arise on the caller's thread anyway.
 *
 * <p><b>Closing</b> the stream, at its end or early, stops the reader and waits until it has
 * released the connection. A reader waiting for queue space stops at once; one inside {@code
 * executeQuery} is cancelled; one inside a fetch finishes that fetch first (pgjdbc cancels only a
 * running execute, and a fetch is one batch of work). The reader ignores interrupts: only {@link
 * #close()} stops it (an interrupt would not end a blocked socket read on a platform thread anyway).
 * A stream read to its end has released the connection even before it is closed.
 *
 * @param <R> a raw row
 * @param <T> a decoded row
 */
final class ReadAhead<R, T> extends Spliterators.AbstractSpliterator<T> {
  /** The name of reader threads. */
  static final String THREAD_NAME = "fabula-pg-read-ahead";
  /** How many batches may wait for the caller. */
  static final int QUEUED_BATCHES = 2;
  /** How long close() waits for the reader before it cancels the statement again. */
  private static final long CANCEL_RETRY_MILLIS = 250;

  /**
   * Rows in query order; the last batch of a query says why it is the last.
   *
   * @param failure what ended the reading early, or null at the end of the rows
   * @param opening whether the failure came before the query ran (so it failed "querying")
   */
  private record Batch<R>(List<R> rows, boolean last, @Nullable Throwable failure, boolean opening) {}

  private final DataSource ds;
  private final String sql;
  private final List<Object> params;
  private final int fetchSize;
  private final Pg.RowReader<R, T> reader;
  private final String what;
  private final String server;
  private final Thread thread;
  /** The pool's read slot this stream holds until its connection is released, if any. */
  private final @Nullable ReadSlots slots;

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when a batch is queued or the query has opened. */
  private final Condition readable = lock.newCondition();
  /** Signalled when a batch is taken or the stream is closed. */
  private final Condition writable = lock.newCondition();
  // Guarded by lock.
  private final ArrayDeque<Batch<R>> queue = new ArrayDeque<>(QUEUED_BATCHES);
  private boolean opened;
  private boolean closed;
  /** The reader's statement once prepared, for close() to cancel. */
  private volatile @Nullable Statement statement;

  // The caller's side: the batch being decoded and the index of its next row.
  private Batch<R> batch = new Batch<>(List.of(), false, null, false);
  private int next;

  private ReadAhead(
      DataSource ds, String sql, List<Object> params, int fetchSize, Pg.RowReader<R, T> reader, String what,
      String server, @Nullable ReadSlots slots) {
    super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
    this.slots = slots;
    this.ds = ds;
    this.sql = sql;
    this.params = params;
    this.fetchSize = fetchSize;
    this.reader = reader;
    this.what = what;
    this.server = server;
    this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(this::read);
  }

  /**
   * Starts the query on a reader thread and returns its rows, once the query runs (like the plain
   * path, a query that cannot run fails here, not on the first row). See {@link Pg#stream}.
   *
   * <p>On a HikariCP pool, first waits for one of the pool's {@linkplain ReadSlots read slots}, so
   * that cursor reads never hold every connection of the pool.
   */
  static <R, T> Stream<T> stream(
      DataSource ds, String sql, List<Object> params, int fetchSize, Pg.RowReader<R, T> reader, String what,
      String server) {
    ReadSlots slots = ReadSlots.of(ds);
    if (slots != null) {
      try {
        slots.acquire("querying " + what);
      } catch (SQLException e) {
        throw Pg.translate(e, "querying " + what, server);
      }
    }
    ReadAhead<R, T> rows;
    try {
      rows = new ReadAhead<>(ds, sql, params, fetchSize, reader, what, server, slots);
      rows.thread.start();
    } catch (Throwable e) {
      if (slots != null) {
        slots.release();
      }
      throw e;
    }
    rows.awaitOpen();
    return StreamSupport.stream(rows, false).onClose(rows::close);
  }

  // ------------------------------------------------------------------------ the reader thread

  private void read() {
    Connection c = null;
    PreparedStatement ps = null;
    ResultSet rs = null;
    List<R> rows = new ArrayList<>(fetchSize);
    Throwable failure = null;
    boolean opening = true;
    try {
      c = ds.getConnection();
      c.setAutoCommit(false);
      ps = c.prepareStatement(sql);
      Pg.binaryResults(ps);
      ps.setFetchSize(fetchSize);
      Pg.bind(c, ps, params);
      statement = ps;
      if (isClosed()) {
        return;
      }
      rs = ps.executeQuery();
      opening = false;
      opened();
      // Batches end where pgjdbc's fetches end: the next() after a full batch is the one that
      // waits for the server, and it is only called once the batch is queued.
      while (rs.next()) {
        rows.add(reader.extract(rs));
        if (rows.size() == fetchSize) {
          if (!offer(new Batch<>(rows, false, null, false))) {
            return;
          }
          rows = new ArrayList<>(fetchSize);
        }
      }
    } catch (Throwable e) { // everything reaches the caller, who decides
      failure = e;
    } finally {
      Pg.closeQuietly(rs);
      Pg.closeQuietly(ps);
      Pg.rollbackQuietly(c);
      Pg.closeQuietly(c);
      if (slots != null) {
        slots.release();
      }
      offer(new Batch<>(rows, true, failure, opening));
    }
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  private void opened() {
    lock.lock();
    try {
      opened = true;
      readable.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Queues a batch, waiting while the queue is full; false (and nothing queued) once closed. */
  private boolean offer(Batch<R> b) {
    lock.lock();
    try {
      while (queue.size() >= QUEUED_BATCHES && !closed) {
        writable.awaitUninterruptibly();
      }
      if (closed) {
        return false;
      }
      queue.add(b);
      readable.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------ the caller's side

  /** Waits until the query runs or has failed to; throws what made it fail, as "querying". */
  private void awaitOpen() {
    Throwable failure = null;
    lock.lock();
    try {
      while (!opened && queue.isEmpty()) {
        readable.await();
      }
      if (!opened) {
        failure = queue.element().failure(); // the reader's last batch, before the query ran
      }
    } catch (InterruptedException e) {
      failure = e;
    } finally {
      lock.unlock();
    }
    if (failure != null) {
      close();
      if (failure instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new FabulaException("interrupted while querying " + what, failure);
      }
      throw translate(failure, true);
    }
  }

  @Override
  public boolean tryAdvance(Consumer<? super T> action) {
    if (!hasRow()) {
      return false;
    }
    action.accept(reader.decode(batch.rows().get(next++)));
    return true;
  }

  @Override
  public void forEachRemaining(Consumer<? super T> action) {
    while (hasRow()) {
      List<R> rows = batch.rows();
      while (next < rows.size()) {
        action.accept(reader.decode(rows.get(next++)));
      }
    }
  }

  /**
   * Whether a row is left, taking the next batch when this one is used up; at the end of the rows,
   * throws the failure that ended them, if any (once: after it, there are no rows).
   */
  private boolean hasRow() {
    while (next == batch.rows().size()) {
      if (batch.last()) {
        Throwable failure = batch.failure();
        if (failure != null) {
          boolean opening = batch.opening();
          batch = new Batch<>(List.of(), true, null, false);
          next = 0;
          throw translate(failure, opening);
        }
        return false;
      }
      batch = take();
      next = 0;
    }
    return true;
  }

  private Batch<R> take() {
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (closed) {
          throw new IllegalStateException("the stream of " + what + " is closed");
        }
        readable.await();
      }
      Batch<R> b = queue.remove();
      writable.signal();
      return b;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while reading " + what, e);
    } finally {
      lock.unlock();
    }
  }

  private RuntimeException translate(Throwable failure, boolean opening) {
    return switch (failure) {
      case SQLException e -> Pg.translate(e, (opening ? "querying " : "reading ") + what, server);
      case RuntimeException e -> e;
      case Error e -> throw e;
      default -> new FabulaException("failed reading " + what, failure);
    };
  }

  private void cancel() {
    Statement s = statement;
    if (s != null) {
      try {
        s.cancel(); // a no-op unless the statement is executing
      } catch (SQLException | RuntimeException ignored) {
        // the reader finished meanwhile
      }
    }
  }

  /**
   * Stops the reader and waits until it has released the connection: a reader waiting for queue
   * space stops at once, one running the query is cancelled. Harmless when repeated.
   */
  void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.clear();
      writable.signalAll();
      readable.signalAll();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      // Cancel again while the reader runs: a cancel request that reaches the server before the
      // query started (or while pgjdbc is between states) is lost, and the reader would then wait
      // for the whole query.
      cancel();
      try {
        thread.join(CANCEL_RETRY_MILLIS);
      } catch (InterruptedException e) {
        interrupted = true; // releasing the connection comes first; the interrupt is kept
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
