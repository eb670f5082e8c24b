package dev.fabula.projection;

import dev.fabula.event.Event;

/**
 * Wraps each application of an event to a projection by a schedule's {@link Job#apply} (and by
 * {@link Schedule#retry} of a dead letter, whose application may be {@link Reapplicable#reapply}): the hook
 * through which metrics and tracing (module {@code fabula-telemetry}) observe projections without
 * wrapping each one, so a projection keeps its identity (its lock and position) and its
 * capabilities ({@link Guarded}, {@link ProgressAware}, {@link Resettable}).
 *
 * <p>An interceptor is called on the job's thread, for every event the projection's guard accepted,
 * once per attempt (a retried transient failure calls it again). It must call {@link
 * Application#run()} exactly once and let what it throws pass: the schedule's failure policy,
 * retries and dead letters depend on it. What the interceptor throws itself counts as the
 * projection's failure on that event, and so does returning without running the application, or
 * running it twice (an {@link IllegalStateException}): the projection never moves past an event it
 * was not given. Handlers that read {@link Job#eventsFor} and apply events
 * themselves are not intercepted.
 */
@FunctionalInterface
public interface ApplyInterceptor {
  /** Applies {@code event} to {@code projection} by calling {@code application.run()}. */
  void intercept(Projection projection, Event<?> event, Application application) throws Exception;

  /** The interceptor that only applies the event. */
  static ApplyInterceptor none() {
    return NoInterception.INSTANCE;
  }

  /** The application of one event to one projection, which an interceptor runs once. */
  @FunctionalInterface
  interface Application {
    /** Applies the event; throws what the projection threw. */
    void run() throws Exception;
  }
}

/** {@link ApplyInterceptor#none()}: recognised by the applier, which then calls the projection directly. */
enum NoInterception implements ApplyInterceptor {
  INSTANCE;

  @Override
  public void intercept(Projection projection, Event<?> event, Application application)
      throws Exception {
    application.run();
  }
}
