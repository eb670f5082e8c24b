package dev.fabula.projection;

/**
 * Calls a {@link ScheduleListener} so that whatever it throws is logged once and goes no further:
 * a failing listener must not stop a job or a schedule's thread.
 */
final class ListenerCalls {
  private static final System.Logger LOG = System.getLogger(Schedule.class.getName());

  private ListenerCalls() {}

  /** Runs {@code listenerCall}; what it throws, of any {@link Throwable}, is logged at {@code ERROR}. */
  static void safely(Runnable listenerCall) {
    try {
      listenerCall.run();
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "a projection schedule listener failed", t);
    }
  }
}
