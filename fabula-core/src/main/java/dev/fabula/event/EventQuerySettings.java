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
 * another made on the same builder, is an {@link IllegalStateException} naming both; a value no
 * query can use (a negative limit, a blank name) is an {@link InvalidQueryException}. A
 * contradiction with a value copied by {@link EventQuery#toBuilder()} fails at {@link #checkAll()}
 * instead, so both bounds of a copied window may be replaced, in either order.
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
    checkTimes(min, own(TIME_MAX, timeMax), own(TIME_BEFORE, timeBefore), own(TIME_AFTER, timeAfter), "");
    made |= TIME_MIN;
    timeMin = min;
  }

  void timeMax(Instant max) {
    Objects.requireNonNull(max, "max");
    once(TIME_MAX, "timeMax", timeMax, max);
    checkTimes(own(TIME_MIN, timeMin), max, own(TIME_BEFORE, timeBefore), own(TIME_AFTER, timeAfter), "");
    made |= TIME_MAX;
    timeMax = max;
  }

  void timeBefore(Instant time) {
    Objects.requireNonNull(time, "time");
    once(TIME_BEFORE, "timeBefore", timeBefore, time);
    checkTimes(own(TIME_MIN, timeMin), own(TIME_MAX, timeMax), time, own(TIME_AFTER, timeAfter), "");
    made |= TIME_BEFORE;
    timeBefore = time;
  }

  void timeAfter(Instant time) {
    Objects.requireNonNull(time, "time");
    once(TIME_AFTER, "timeAfter", timeAfter, time);
    checkTimes(own(TIME_MIN, timeMin), own(TIME_MAX, timeMax), own(TIME_BEFORE, timeBefore), time, "");
    made |= TIME_AFTER;
    timeAfter = time;
  }

  void versionMin(int min) {
    once(VERSION_MIN, "versionMin", versionMin, min);
    if (min < 0) {
      throw new InvalidQueryException("versionMin must not be negative, got " + min);
    }
    checkVersions(min, own(VERSION_MAX, versionMax), "");
    made |= VERSION_MIN;
    versionMin = min;
  }

  void versionMax(int max) {
    once(VERSION_MAX, "versionMax", versionMax, max);
    if (max < 0) {
      throw new InvalidQueryException("versionMax must not be negative, got " + max);
    }
    checkVersions(own(VERSION_MIN, versionMin), max, "");
    made |= VERSION_MAX;
    versionMax = max;
  }

  /**
   * Checks the settings as a whole, before a query is built from them. Contradictions between
   * settings made on this builder failed at their setters already; what is left is one between a
   * value made here and one copied by {@link EventQuery#toBuilder()} and not replaced.
   */
  void checkAll() {
    String copied = " (one of them copied by toBuilder() and not replaced)";
    checkTimes(timeMin, timeMax, timeBefore, timeAfter, copied);
    checkVersions(versionMin, versionMax, copied);
  }

  /**
   * Refuses time bounds no event can meet, naming both settings; a null bound is not compared.
   * Each pair here pits a lower bound against an upper one: the inclusive {@code [min, max]} may be
   * a single instant, every other pair excludes at least one end.
   */
  private static void checkTimes(
      @Nullable Instant min, @Nullable Instant max, @Nullable Instant before, @Nullable Instant after,
      String note) {
    if (min != null && max != null && min.isAfter(max)) {
      throw contradiction("timeMin " + min + " is after timeMax " + max + note);
    }
    if (after != null && before != null && !after.isBefore(before)) {
      throw contradiction("timeAfter " + after + " is not before timeBefore " + before + note);
    }
    if (min != null && before != null && !min.isBefore(before)) {
      throw contradiction("timeMin " + min + " is not before timeBefore " + before + note);
    }
    if (after != null && max != null && !after.isBefore(max)) {
      throw contradiction("timeAfter " + after + " is not before timeMax " + max + note);
    }
  }

  private static void checkVersions(@Nullable Integer min, @Nullable Integer max, String note) {
    if (min != null && max != null && min > max) {
      throw contradiction("versionMin " + min + " is greater than versionMax " + max + note);
    }
  }

  /**
   * {@code value} when {@code setting} was made on this builder, else null: a value copied by
   * {@link EventQuery#toBuilder()} is not held against a setter, since it may yet be replaced.
   */
  private <T> @Nullable T own(int setting, @Nullable T value) {
    return (made & setting) != 0 ? value : null;
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
