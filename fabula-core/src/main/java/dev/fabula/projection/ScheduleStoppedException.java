package dev.fabula.projection;

import dev.fabula.FabulaException;

/**
 * A schedule's subscription stopped because its thread met a failure outside any job (its clock or
 * its debounce failed): the failure was reported to the {@link ScheduleListener}, the subscription
 * is no longer {@linkplain dev.fabula.event.Subscription#isActive() active}, pending and later
 * triggers fail with this exception, and the cause says why. Subscribe again once the cause is
 * fixed; projections resume where they stopped.
 */
public final class ScheduleStoppedException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** An exception for a subscription that stopped because of {@code cause}. */
  public ScheduleStoppedException(Throwable cause) {
    super("the projection schedule's subscription stopped after a failure of its thread: " + cause, cause);
  }
}
