package dev.fabula.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fabula.projection.DeadLetter;
import dev.fabula.projection.ProjectionException;
import dev.fabula.projection.ReapplyRefusedException;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.UnknownDeadLetterException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The write routes on dead letters: {@code POST api/projections/{schedule}/dead-letters/{eventId}/retry}
 * and {@code .../evict}, with an optional body {@code {"projection": "name"}} naming the projection
 * when several failed on the event. Answers 200 when done, 404 for an unknown schedule or letter, 409
 * when the retry was refused before anything was applied, 422 when it was tried and failed again (the
 * letter stays, carrying the new failure). Authentication, writes being enabled and CSRF are checked
 * by {@link ConsoleHandler} first, as for every write.
 */
final class DeadLetterActions {
  static final int UNPROCESSABLE = 422;
  /**
   * How long a retry waits for a job running in the projection before the request answers 409
   * (busy): a rebuild may run for minutes, a request should not.
   */
  static final Duration RETRY_WAIT = Duration.ofSeconds(10);

  private final Map<String, Schedule> schedules;

  DeadLetterActions(Map<String, Schedule> schedules) {
    this.schedules = schedules;
  }

  /** Whether {@code parts} (the route split at {@code /}) is one of these routes. */
  static boolean matches(String[] parts) {
    return parts.length == 5 && parts[0].equals("projections") && parts[2].equals("dead-letters");
  }

  JsonNode act(String[] parts, JsonNode body) {
    String name = parts[1];
    String action = parts[4];
    if (!action.equals("retry") && !action.equals("evict")) {
      throw ApiError.notFound("no dead-letter action " + action + "; use retry or evict");
    }
    Schedule schedule = schedules.get(name);
    if (schedule == null) {
      throw ApiError.notFound("no schedule named '" + name + "' is registered with the console");
    }
    UUID eventId;
    try {
      eventId = UUID.fromString(parts[3]);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("the event id must be a UUID");
    }
    JsonNode projectionNode = body.path("projection");
    if (!projectionNode.isMissingNode() && !projectionNode.isNull() && !projectionNode.isTextual()) {
      throw ApiError.badRequest("projection must be a string");
    }
    @Nullable String projection = projectionNode.isTextual() ? projectionNode.asText() : null;
    DeadLetter letter = find(schedule, name, eventId, projection);
    ObjectNode answer =
        Json.NODES.objectNode()
            .put("schedule", name)
            .put("projection", letter.projection())
            .put("eventId", eventId.toString())
            .put("action", action);
    if (action.equals("evict")) {
      if (!schedule.evict(letter)) {
        throw ApiError.notFound(gone(name, letter) + " (being retried, retried or evicted meanwhile)");
      }
    } else {
      try {
        schedule.retry(letter, RETRY_WAIT);
      } catch (UnknownDeadLetterException e) {
        throw ApiError.notFound(e.getMessage());
      } catch (ReapplyRefusedException e) {
        throw ApiError.conflict(e.getMessage());
      } catch (ProjectionException e) {
        throw new ApiError(UNPROCESSABLE, "the retry failed; the letter stays: " + e.getMessage());
      }
    }
    answer.put("deadLetterCount", schedule.deadLetters().size());
    return answer;
  }

  private static DeadLetter find(Schedule schedule, String name, UUID eventId, @Nullable String projection) {
    List<DeadLetter> matching =
        schedule.deadLetters().stream()
            .filter(l -> l.eventId().equals(eventId))
            .filter(l -> projection == null || l.projection().equals(projection))
            .toList();
    if (matching.isEmpty()) {
      throw ApiError.notFound(
          "schedule '" + name + "' holds no dead letter of event " + eventId
              + (projection == null ? "" : " in projection " + projection));
    }
    List<String> projections = matching.stream().map(DeadLetter::projection).distinct().toList();
    if (projections.size() > 1) {
      throw ApiError.badRequest(
          "several projections failed on event " + eventId + "; name one in {\"projection\": ...}: "
              + String.join(", ", projections));
    }
    return matching.getFirst();
  }

  private static String gone(String name, DeadLetter letter) {
    return "schedule '" + name + "' no longer holds the dead letter of event " + letter.eventId()
        + " in projection " + letter.projection();
  }
}
