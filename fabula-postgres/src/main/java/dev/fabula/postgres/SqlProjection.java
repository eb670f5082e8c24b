package dev.fabula.postgres;

import dev.fabula.event.Event;
import java.sql.Connection;

/**
 * A read model kept in tables of the same PostgreSQL database as its progress, updated exactly
 * once per event: turn it into a {@link dev.fabula.projection.Projection} with {@link
 * Postgres#exactlyOnce} and hand that to a schedule.
 *
 * <p>For every event the job opens a transaction, calls {@link #apply} with its connection, moves
 * the projection's stored position from the previous event's to this one's (a compare-and-set in
 * the progress table) and commits. Data and position therefore commit together: after a crash,
 * a killed connection or an exception thrown half-way, the read model is exactly as it was after
 * the last committed event, and the next job continues from there. If another process moved the
 * position first, the transaction rolls back, so two processes never both apply an event.
 *
 * <p>The projection's {@link dev.fabula.projection.ProgressAware#progress() progress} may be read at
 * any time, from any thread (a metrics gauge, a health check): it is read on a connection of its
 * own and leaves a running job's transaction alone.
 *
 * <p>Connections: while a job runs, its read of the event store holds one pooled connection and
 * each event's transaction takes another for the moment of the event. On a HikariCP pool (as made
 * by {@link Postgres#dataSource}) reads through a cursor leave one connection free for such
 * transactions, so any number of these projections share a pool of two or more connections
 * without waiting for each other; should the pool still have no connection to give within its
 * timeout, the event fails with a {@link PostgresConnectionException}, which the schedule's retry
 * policy retries.
 *
 * <p>Do not commit, roll back or close the connection; run only statements on it.
 */
public interface SqlProjection {
  /** The stable name under which the progress is stored (also used in reports). */
  String projectionName();

  /** Updates the read model for {@code event} using {@code transaction}. */
  void apply(Event<?> event, Connection transaction) throws Exception;

  /**
   * Clears the read model, for a rebuild; the position is set back to 0 in the same transaction.
   */
  void reset(Connection transaction) throws Exception;
}
