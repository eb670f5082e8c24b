package dev.fabula.postgres;

/**
 * Spells the gap-safe positions of ADR 0005 in SQL: a position starts with its writer's
 * transaction id, so a store-following read can stop below every writer still in flight.
 */
final class Positions {
  /**
   * Positions per transaction: an event's position is {@code xid * EVENTS_PER_TRANSACTION + i}
   * for the i-th event (from 0) of the batch its transaction inserts, so positions are ordered by
   * transaction id first (ADR 0005). A batch holds at most this many events.
   */
  static final int EVENTS_PER_TRANSACTION = 1 << 20;

  /**
   * The position of the first event the current transaction inserts. {@code pg_current_xact_id()}
   * assigns the xid if the transaction has none yet; the multiplication fails with "bigint out of
   * range" rather than wrap, should the xid ever exceed 2^43.
   */
  static final String FIRST_POSITION =
      "pg_current_xact_id()::text::bigint * " + EVENTS_PER_TRANSACTION;

  /**
   * The store-following filter (ADR 0005): only rows of transactions older than the statement
   * snapshot's xmin. Since a row's position starts with its transaction id, that is a bound on the
   * position (the first position xmin's transaction would take), which the primary key index
   * serves as a range. The bound is a scalar subquery, so PostgreSQL computes it once per
   * statement (an InitPlan) from the statement's snapshot.
   */
  static final String SAFE =
      "position < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint * "
          + EVENTS_PER_TRANSACTION + ")";

  private Positions() {}
}
