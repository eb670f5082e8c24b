package dev.fabula.projection;

/**
 * Where a schedule stands, for operators: during a rebuild {@code position} climbs towards {@code
 * head} and {@code lag} falls to zero.
 *
 * @param position where the slowest projection of the schedule stands (the position of the last
 *     event it applied or moved past); for a subscription whose handler applies no projection, the
 *     head its last complete job read up to
 * @param head the event store's {@linkplain dev.fabula.event.EventStore#lastPosition() last
 *     position} when the status was taken
 * @param lag how many positions the schedule is behind the head, never negative
 * @param running whether a job is running now
 */
public record ScheduleStatus(long position, long head, long lag, boolean running) {
  /** Validates the record. */
  public ScheduleStatus {
    if (position < 0 || head < 0 || lag < 0) {
      throw new IllegalArgumentException(
          "positions and lag must not be negative: " + position + ", " + head + ", " + lag);
    }
  }

  static ScheduleStatus of(long position, long head, boolean running) {
    return new ScheduleStatus(position, head, Math.max(0, head - position), running);
  }
}
