package dev.fabula.event;

/** What an {@link EventQuery} can sort by. */
public enum SortField {
  /** The global position assigned by the store (commit order). */
  POSITION,
  /** The event time. */
  TIME,
  /** The event name. */
  NAME,
  /** The aggregate name; events without aggregate sort first. */
  AGGREGATE_NAME,
  /** The aggregate id; events without aggregate sort first. */
  AGGREGATE_ID,
  /** The aggregate version; events without aggregate sort first. */
  AGGREGATE_VERSION
}
