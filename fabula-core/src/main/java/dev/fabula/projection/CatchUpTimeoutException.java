package dev.fabula.projection;

import dev.fabula.FabulaException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * {@link Schedule#awaitCaughtUp} gave up: a projection had not applied everything up to the target
 * position within the timeout, or it stopped on a failure (under {@link FailurePolicy#STOP}) in
 * the job run for the wait and no further job was running or due, so waiting longer could not
 * help. Names the projection, where it stands and the target; when the projection stopped on a
 * failure, that {@link ProjectionException} is the cause.
 */
public final class CatchUpTimeoutException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String projection;
  private final long position;
  private final long target;

  /**
   * @param projection the name of a projection that is behind
   * @param position where it stands
   * @param target the position it had to reach
   * @param waited how long the caller waited, or null when the wait ended before the timeout
   *     because the projection stopped on {@code cause}
   * @param cause why it stopped, if it stopped on a failure
   */
  public CatchUpTimeoutException(
      String projection,
      long position,
      long target,
      @Nullable Duration waited,
      @Nullable Throwable cause) {
    super(
        "projection " + projection
            + (waited == null
                ? " stopped on a failure and no job is left to move it"
                : " did not catch up within " + waited)
            + ": it is at position " + position + ", the target is " + target
            + (cause == null ? "" : "; it stopped on: " + cause.getMessage()),
        cause);
    this.projection = projection;
    this.position = position;
    this.target = target;
  }

  /** The name of the projection that is behind. */
  public String projection() {
    return projection;
  }

  /** Where the projection stood when the wait ended. */
  public long position() {
    return position;
  }

  /** The store's last position when the wait began: what the projection had to reach. */
  public long target() {
    return target;
  }
}
