package dev.fabula.projection;

import dev.fabula.event.EventQuery;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a manually triggered job does differently from a scheduled one. Immutable; start from
 * {@link #defaults()} and combine the {@code with…} methods.
 *
 * <ul>
 *   <li>{@linkplain #reset() reset}: every projection the job applies is {@linkplain
 *       Resettable#reset() reset} first and rebuilt from the first event.
 *   <li>{@linkplain #query() query}: the job reads this query instead of the schedule's event
 *       names (its {@code afterPosition}, if set, is where non-progress-aware reads start).
 *   <li>{@linkplain #filters() filters}: the job delivers only events matching every filter.
 * </ul>
 *
 * <p>A query or filters narrow what the job delivers, and a narrowed job moves nothing past an
 * event it did not deliver: the subscription's position (where {@link Job#events()} starts next
 * time) stays where it was, and {@link Job#apply} gives each projection the schedule's events after
 * its position only as long as they match, stopping before the first one the trigger left out (the
 * next job applies it). So a narrowed trigger never makes a projection skip an event, and never
 * applies one twice.
 */
public final class TriggerOptions {
  private static final TriggerOptions DEFAULTS = new TriggerOptions(false, null, List.of());

  private final boolean reset;
  private final @Nullable EventQuery query;
  private final List<EventQuery> filters;

  private TriggerOptions(boolean reset, @Nullable EventQuery query, List<EventQuery> filters) {
    this.reset = reset;
    this.query = query;
    this.filters = List.copyOf(filters);
  }

  /** A job like a scheduled one. */
  public static TriggerOptions defaults() {
    return DEFAULTS;
  }

  /** A job that resets every projection it applies and rebuilds it from scratch. */
  public static TriggerOptions rebuild() {
    return DEFAULTS.withReset();
  }

  /** A copy that resets projections first. */
  public TriggerOptions withReset() {
    return new TriggerOptions(true, query, filters);
  }

  /**
   * A copy reading {@code q} instead of the schedule's names.
   *
   * @throws IllegalStateException when a query is already set
   * @throws IllegalArgumentException when the query has sort keys or a limit: jobs read in
   *     position order and completely, or progress would skip events
   */
  public TriggerOptions withQuery(EventQuery q) {
    Objects.requireNonNull(q, "query");
    if (query != null) {
      throw new IllegalStateException("the trigger's query is already set to " + query);
    }
    if (!q.sort().isEmpty() || q.limit().isPresent()) {
      throw new IllegalArgumentException(
          "a trigger query must not sort or limit (jobs read in position order), got " + q);
    }
    return new TriggerOptions(reset, q, filters);
  }

  /** A copy delivering only events that also match every one of {@code more}. */
  public TriggerOptions withFilters(EventQuery... more) {
    Objects.requireNonNull(more, "more");
    var all = new java.util.ArrayList<>(filters);
    for (EventQuery f : more) {
      all.add(Objects.requireNonNull(f, "filter"));
    }
    return new TriggerOptions(reset, query, all);
  }

  /** Whether projections are reset and rebuilt. */
  public boolean reset() {
    return reset;
  }

  /** Whether a query or filters narrow the job. */
  boolean narrowed() {
    return query != null || !filters.isEmpty();
  }

  /** The query replacing the schedule's names, if any. */
  public Optional<EventQuery> query() {
    return Optional.ofNullable(query);
  }

  /** Queries every delivered event must match. */
  public List<EventQuery> filters() {
    return filters;
  }

  @Override
  public String toString() {
    return "TriggerOptions[reset=" + reset + ", query=" + query + ", filters=" + filters + "]";
  }
}
