package dev.fabula.event;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Collects and checks the settings of an {@link EventQuery.Builder} as each is made, so that a
 * mistake fails at the call that made it: a single-valued setting made twice, or contradicting
 * another, is an {@link IllegalStateException} naming both; a value no query can use (a negative
 * limit, a blank name) is an {@link InvalidQueryException}.
 */
final class EventQuerySettings {
  // The single-valued settings, one bit each in `made`.
  private static final int TIME_MIN = 1;
  private static final int TIME_MAX = 1 << 1;
  private static final int TIME_BEFORE = 1 << 2;
  private static final int TIME_AFTER = 1 << 3;
  private static final int VERSION_MIN = 1 << 4;
  private static final int VERSION_MAX = 1 << 5;
  private static final int AFTER_POSITION = 1 << 6;
  private static final int LIMIT = 1 << 7;

  final Set<String> names = new LinkedHashSet<>();
  final Set<UUID> ids = new LinkedHashSet<>();
  final Set<Instant> timeExact = new LinkedHashSet<>();
  final List<Range<Instant>> timeRanges = new ArrayList<>();
  @Nullable Instant timeMin;
  @Nullable Instant timeMax;
  @Nullable Instant timeBefore;
  @Nullable Instant timeAfter;
  final Set<String> aggregateNames = new LinkedHashSet<>();
  final Set<UUID> aggregateIds = new LinkedHashSet<>();
  final Set<Integer> versionExact = new LinkedHashSet<>();
  final List<Range<Integer>> versionRanges = new ArrayList<>();
  @Nullable Integer versionMin;
  @Nullable Integer versionMax;
  final List<AggregateSelector> aggregates = new ArrayList<>();
  long afterPosition;
  final List<SortOrder> sort = new ArrayList<>();
  @Nullable Integer limit;
  /**
   * The single-valued settings made on this builder. Values copied from a query by {@link
   * EventQuery#toBuilder()} are not: each may be replaced once.
   */
  private int made;

  EventQuerySettings() {}

  /** The settings of {@code q}, each single-valued one free to be replaced once. */
  static EventQuerySettings of(EventQuery q) {
    var s = new EventQuerySettings();
    s.names.addAll(q.names());
    s.ids.addAll(q.ids());
    s.timeExact.addAll(q.timeExact());
    s.timeRanges.addAll(q.timeRanges());
    s.timeMin = q.timeMin().orElse(null);
    s.timeMax = q.timeMax().orElse(null);
    s.timeBefore = q.timeBefore().orElse(null);
    s.timeAfter = q.timeAfter().orElse(null);
    s.aggregateNames.addAll(q.aggregateNames());
    s.aggregateIds.addAll(q.aggregateIds());
    s.versionExact.addAll(q.versionExact());
    s.versionRanges.addAll(q.versionRanges());
    s.versionMin = q.versionMin().isPresent() ? q.versionMin().getAsInt() : null;
    s.versionMax = q.versionMax().isPresent() ? q.versionMax().getAsInt() : null;
    s.aggregates.addAll(q.aggregates());
    s.afterPosition = q.afterPosition();
    s.sort.addAll(q.sort());
    s.limit = q.limit().isPresent() ? q.limit().getAsInt() : null;
    return s;
  }

  void timeMin(Instant min) {
    Objects.requireNonNull(min, "min");
    once(TIME_MIN, "timeMin", timeMin, min);
    if (timeMax != null && min.isAfter(timeMax)) {
      throw contradiction("timeMin " + min + " is after timeMax " + timeMax);
    }
    made |= TIME_MIN;
    timeMin = min;
  }

  void timeMax(Instant max) {
    Objects.requireNonNull(max, "max");
    once(TIME_MAX, "timeMax", timeMax, max);
    if (timeMin != null && timeMin.isAfter(max)) {
      throw contradiction("timeMin " + timeMin + " is after timeMax " + max);
    }
    made |= TIME_MAX;
    timeMax = max;
  }

  void timeBefore(Instant time) {
    Objects.requireNonNull(time, "time");
    once(TIME_BEFORE, "timeBefore", timeBefore, time);
    if (timeAfter != null && !timeAfter.isBefore(time)) {
      throw contradiction("timeAfter " + timeAfter + " is not before timeBefore " + time);
    }
    made |= TIME_BEFORE;
    timeBefore = time;
  }

  void timeAfter(Instant time) {
    Objects.requireNonNull(time, "time");
    once(TIME_AFTER, "timeAfter", timeAfter, time);
    if (timeBefore != null && !time.isBefore(timeBefore)) {
      throw contradiction("timeAfter " + time + " is not before timeBefore " + timeBefore);
    }
    made |= TIME_AFTER;
    timeAfter = time;
  }

  void versionMin(int min) {
    once(VERSION_MIN, "versionMin", versionMin, min);
    if (min < 0) {
      throw new InvalidQueryException("versionMin must not be negative, got " + min);
    }
    if (versionMax != null && min > versionMax) {
      throw contradiction("versionMin " + min + " is greater than versionMax " + versionMax);
    }
    made |= VERSION_MIN;
    versionMin = min;
  }

  void versionMax(int max) {
    once(VERSION_MAX, "versionMax", versionMax, max);
    if (versionMin != null && versionMin > max) {
      throw contradiction("versionMin " + versionMin + " is greater than versionMax " + max);
    }
    made |= VERSION_MAX;
    versionMax = max;
  }

  void afterPosition(long position) {
    once(AFTER_POSITION, "afterPosition", afterPosition, position);
    if (position < 0) {
      throw new InvalidQueryException("afterPosition must not be negative, got " + position);
    }
    made |= AFTER_POSITION;
    afterPosition = position;
  }

  void limit(int max) {
    once(LIMIT, "limit", limit, max);
    if (max < 0) {
      throw new InvalidQueryException("limit must not be negative, got " + max);
    }
    made |= LIMIT;
    limit = max;
  }

  /** Adds a sort key; a field already sorted by is an {@link IllegalStateException}. */
  void sortBy(SortOrder order) {
    Objects.requireNonNull(order, "sort order");
    for (SortOrder earlier : sort) {
      if (earlier.field() == order.field()) {
        throw new IllegalStateException(
            "EventQuery.Builder: sort field " + order.field() + " is given twice: sortBy(" + earlier
                + ") and sortBy(" + order + ")");
      }
    }
    sort.add(order);
  }

  /**
   * {@code value}, checked: a name that is null or blank can match nothing, so it is refused
   * instead of silently emptying the result.
   */
  static String requireName(@Nullable String value, String method, String argument) {
    Objects.requireNonNull(value, argument);
    if (value.isBlank()) {
      throw new InvalidQueryException(
          "EventQuery.Builder." + method + ": " + argument + " must not be blank, got \"" + value + "\"");
    }
    return value;
  }

  /** Refuses a single-valued setting made on this builder already. */
  private void once(int setting, String name, @Nullable Object current, Object value) {
    if ((made & setting) != 0) {
      throw new IllegalStateException(
          "EventQuery.Builder: " + name + " was already set to " + current + ", cannot set it to " + value);
    }
  }

  private static IllegalStateException contradiction(String what) {
    return new IllegalStateException("EventQuery.Builder: " + what);
  }
}
