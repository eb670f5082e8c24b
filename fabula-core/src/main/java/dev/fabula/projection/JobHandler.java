package dev.fabula.projection;

/** Receives the jobs of a {@link Schedule} subscription, one at a time. */
@FunctionalInterface
public interface JobHandler {
  /**
   * Handles a job, usually with {@link Job#apply}. A {@link ProjectionException} or any other
   * exception is reported to the schedule's {@link ScheduleListener}; later jobs still run.
   */
  void handle(Job job) throws Exception;
}
