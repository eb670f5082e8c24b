package dev.fabula.projection;

import dev.fabula.FabulaException;
import java.time.Duration;

/**
 * No process accepted a {@link ProjectionService#trigger trigger} for a schedule name within the
 * accept timeout: the name is not registered with any running {@link ProjectionService} (a typo,
 * or the process that runs it is down).
 */
public final class UnknownScheduleException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String schedule;

  /** An exception for the named schedule, after waiting {@code waited} for an acceptance. */
  public UnknownScheduleException(String schedule, Duration waited) {
    super(
        "no process runs a projection schedule named '" + schedule + "' (no acceptance within "
            + waited + "); register it with ProjectionService.register");
    this.schedule = schedule;
  }

  /** The schedule name that nobody runs. */
  public String schedule() {
    return schedule;
  }
}
