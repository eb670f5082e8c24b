package dev.fabula.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fabula.projection.DeadLetter;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleStatus;
import dev.fabula.projection.TriggerOptions;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The schedules the console reports on, and the jobs it triggered on them: one at a time per
 * schedule, with a progress figure from the schedule's {@linkplain Schedule#status() status}
 * (position over the head the store had when the job started).
 */
final class Jobs {
  static final int DEAD_LETTERS_SHOWN = 20;

  private final Map<String, Schedule> schedules;
  private final InstantSource clock;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();

  /** A job the console triggered; {@code state} is running, done or failed. */
  private static final class Run {
    final String id = UUID.randomUUID().toString();
    final String schedule;
    final boolean reset;
    final Instant started;
    final long target;
    volatile String state = "running";
    volatile @Nullable String error;
    volatile @Nullable Instant finished;

    Run(String schedule, boolean reset, Instant started, long target) {
      this.schedule = schedule;
      this.reset = reset;
      this.started = started;
      this.target = target;
    }
  }

  Jobs(Map<String, Schedule> schedules, InstantSource clock) {
    this.schedules = schedules;
    this.clock = clock;
  }

  ObjectNode list() {
    ObjectNode n = Json.NODES.objectNode();
    ArrayNode list = n.putArray("projections");
    schedules.keySet().forEach(name -> list.add(describe(name)));
    return n;
  }

  ObjectNode describe(String name) {
    Schedule schedule = schedule(name);
    ObjectNode n = Json.NODES.objectNode();
    n.put("name", name);
    ScheduleStatus status = schedule.status();
    n.put("position", status.position());
    n.put("head", status.head());
    n.put("lag", status.lag());
    List<DeadLetter> letters = schedule.deadLetters();
    Run run = runs.get(name);
    String lastError = null;
    if (run != null && run.error != null) {
      lastError = run.error;
    } else if (!letters.isEmpty()) {
      DeadLetter last = letters.getLast();
      lastError = "event " + last.eventId() + " (" + last.eventName() + ") at " + last.position() + ": "
          + last.failure().getMessage();
    }
    n.put("status", status.running() || run != null && run.state.equals("running") ? "running"
        : run != null && run.state.equals("failed") ? "failed" : "idle");
    n.put("lastError", lastError);
    n.put("deadLetterCount", letters.size());
    ArrayNode shown = n.putArray("deadLetters");
    letters.stream().limit(DEAD_LETTERS_SHOWN).forEach(
        l -> shown.addObject()
            .put("projection", l.projection())
            .put("eventId", l.eventId().toString())
            .put("eventName", l.eventName())
            .put("position", l.position())
            .put("error", l.failure().getMessage()));
    if (run == null) {
      n.putNull("job");
    } else {
      n.set("job", job(run, status));
    }
    return n;
  }

  /**
   * Triggers {@code name}, rebuilding its projections from the start when {@code reset}.
   *
   * @throws ApiError when a job the console triggered on it is still running
   */
  ObjectNode trigger(String name, boolean reset, long head) {
    Schedule schedule = schedule(name);
    var run = new Run(name, reset, clock.instant(), head);
    // atomic per schedule: of two requests at once, one starts the job and the other is refused
    Run current = runs.compute(name, (n, earlier) -> earlier != null && earlier.state.equals("running") ? earlier : run);
    if (current != run) {
      throw ApiError.conflict("a job the console triggered on '" + name + "' is still running");
    }
    schedule.trigger(reset ? TriggerOptions.rebuild() : TriggerOptions.defaults())
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
                run.error = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                run.state = "failed";
              } else {
                run.state = "done";
              }
              run.finished = clock.instant();
            });
    return describe(name);
  }

  private ObjectNode job(Run run, ScheduleStatus status) {
    ObjectNode j = Json.NODES.objectNode();
    j.put("id", run.id);
    j.put("reset", run.reset);
    j.put("state", run.state);
    j.put("started", run.started.toString());
    Instant finished = run.finished;
    j.put("finished", finished == null ? null : finished.toString());
    j.put("target", run.target);
    double progress;
    if (!run.state.equals("running")) {
      progress = run.state.equals("done") ? 1.0 : Math.min(1.0, ratio(status.position(), run.target));
    } else {
      progress = Math.min(0.99, ratio(status.position(), run.target));
    }
    j.put("progress", progress);
    j.put("error", run.error);
    return j;
  }

  private static double ratio(long position, long target) {
    return target <= 0 ? 0 : (double) position / target;
  }

  private Schedule schedule(String name) {
    Schedule s = schedules.get(name);
    if (s == null) {
      throw ApiError.notFound("no schedule named '" + name + "' is registered with the console");
    }
    return s;
  }
}
