package dev.fabula.event;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What to read from an {@link EventStore}: filters, sort keys, a start position and a limit.
 * Immutable; build one with {@link #builder()}.
 *
 * <p>Matching: within one kind of filter (say, names) <em>any</em> value matches; across kinds
 * <em>all</em> must match. An empty kind does not filter. Aggregate filters never match an event
 * without aggregate. Ranges are inclusive; {@code min}/{@code max} are inclusive; {@code
 * before}/{@code after} are exclusive.
 *
 * <p>Without sort keys, results come in global position order.
 */
public final class EventQuery {
  private static final EventQuery ALL = builder().build();

  private final Set<String> names;
  private final Set<UUID> ids;
  private final Set<Instant> timeExact;
  private final List<Range<Instant>> timeRanges;
  private final @Nullable Instant timeMin;
  private final @Nullable Instant timeMax;
  private final @Nullable Instant timeBefore;
  private final @Nullable Instant timeAfter;
  private final Set<String> aggregateNames;
  private final Set<UUID> aggregateIds;
  private final Set<Integer> versionExact;
  private final List<Range<Integer>> versionRanges;
  private final @Nullable Integer versionMin;
  private final @Nullable Integer versionMax;
  private final List<AggregateSelector> aggregates;
  private final long afterPosition;
  private final List<SortOrder> sort;
  private final @Nullable Integer limit;

  private EventQuery(Builder b) {
    names = Set.copyOf(b.names);
    ids = Set.copyOf(b.ids);
    timeExact = Set.copyOf(b.timeExact);
    timeRanges = List.copyOf(b.timeRanges);
    timeMin = b.timeMin;
    timeMax = b.timeMax;
    timeBefore = b.timeBefore;
    timeAfter = b.timeAfter;
    aggregateNames = Set.copyOf(b.aggregateNames);
    aggregateIds = Set.copyOf(b.aggregateIds);
    versionExact = Set.copyOf(b.versionExact);
    versionRanges = List.copyOf(b.versionRanges);
    versionMin = b.versionMin;
    versionMax = b.versionMax;
    aggregates = List.copyOf(b.aggregates);
    afterPosition = b.afterPosition;
    sort = List.copyOf(b.sort);
    limit = b.limit;
  }

  /** A query matching every event, in position order. */
  public static EventQuery all() {
    return ALL;
  }

  /** A new, empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder pre-filled with this query's settings. */
  public Builder toBuilder() {
    var b = new Builder();
    b.names.addAll(names);
    b.ids.addAll(ids);
    b.timeExact.addAll(timeExact);
    b.timeRanges.addAll(timeRanges);
    b.timeMin = timeMin;
    b.timeMax = timeMax;
    b.timeBefore = timeBefore;
    b.timeAfter = timeAfter;
    b.aggregateNames.addAll(aggregateNames);
    b.aggregateIds.addAll(aggregateIds);
    b.versionExact.addAll(versionExact);
    b.versionRanges.addAll(versionRanges);
    b.versionMin = versionMin;
    b.versionMax = versionMax;
    b.aggregates.addAll(aggregates);
    b.afterPosition = afterPosition;
    b.afterPositionSet = afterPosition > 0;
    b.sort.addAll(sort);
    b.limit = limit;
    return b;
  }

  /** Event names, any of which matches. */
  public Set<String> names() {
    return names;
  }

  /** Event ids, any of which matches. */
  public Set<UUID> ids() {
    return ids;
  }

  /** Exact event times, any of which matches. */
  public Set<Instant> timeExact() {
    return timeExact;
  }

  /** Inclusive time ranges, any of which matches. */
  public List<Range<Instant>> timeRanges() {
    return timeRanges;
  }

  /** The earliest time included. */
  public Optional<Instant> timeMin() {
    return Optional.ofNullable(timeMin);
  }

  /** The latest time included. */
  public Optional<Instant> timeMax() {
    return Optional.ofNullable(timeMax);
  }

  /** Only events strictly before this time. */
  public Optional<Instant> timeBefore() {
    return Optional.ofNullable(timeBefore);
  }

  /** Only events strictly after this time. */
  public Optional<Instant> timeAfter() {
    return Optional.ofNullable(timeAfter);
  }

  /** Aggregate names, any of which matches. */
  public Set<String> aggregateNames() {
    return aggregateNames;
  }

  /** Aggregate ids, any of which matches. */
  public Set<UUID> aggregateIds() {
    return aggregateIds;
  }

  /** Exact aggregate versions, any of which matches. */
  public Set<Integer> versionExact() {
    return versionExact;
  }

  /** Inclusive version ranges, any of which matches. */
  public List<Range<Integer>> versionRanges() {
    return versionRanges;
  }

  /** The lowest aggregate version included. */
  public OptionalInt versionMin() {
    return versionMin == null ? OptionalInt.empty() : OptionalInt.of(versionMin);
  }

  /** The highest aggregate version included. */
  public OptionalInt versionMax() {
    return versionMax == null ? OptionalInt.empty() : OptionalInt.of(versionMax);
  }

  /** Aggregate selectors (name and id, or name with any id), any of which matches. */
  public List<AggregateSelector> aggregates() {
    return aggregates;
  }

  /** Only events with a global position strictly greater than this; {@code 0} reads all. */
  public long afterPosition() {
    return afterPosition;
  }

  /** Sort keys, most significant first; empty means position order. */
  public List<SortOrder> sort() {
    return sort;
  }

  /** The maximum number of events returned. */
  public OptionalInt limit() {
    return limit == null ? OptionalInt.empty() : OptionalInt.of(limit);
  }

  /** Whether the query filters on anything about the aggregate. */
  public boolean filtersAggregates() {
    return !aggregateNames.isEmpty()
        || !aggregateIds.isEmpty()
        || !versionExact.isEmpty()
        || !versionRanges.isEmpty()
        || versionMin != null
        || versionMax != null
        || !aggregates.isEmpty();
  }

  /**
   * Whether {@code event} passes every filter of this query (sort and limit aside). Stores that
   * filter in memory, buses and projection guards use this; persistent stores translate the same
   * rules into their query language.
   */
  public boolean matches(Event<?> event) {
    Objects.requireNonNull(event, "event");
    if (event.position() != 0 && event.position() <= afterPosition) {
      return false;
    }
    if (!names.isEmpty() && !names.contains(event.name())) {
      return false;
    }
    if (!ids.isEmpty() && !ids.contains(event.id())) {
      return false;
    }
    if (!matchesTime(event.time())) {
      return false;
    }
    if (!filtersAggregates()) {
      return true;
    }
    AggregateRef ref = event.aggregateOrNull();
    return ref != null && matchesAggregate(ref);
  }

  private boolean matchesTime(Instant t) {
    if (!timeExact.isEmpty() && !timeExact.contains(t)) {
      return false;
    }
    if (!timeRanges.isEmpty() && !anyContains(timeRanges, t)) {
      return false;
    }
    return (timeMin == null || !t.isBefore(timeMin))
        && (timeMax == null || !t.isAfter(timeMax))
        && (timeBefore == null || t.isBefore(timeBefore))
        && (timeAfter == null || t.isAfter(timeAfter));
  }

  private boolean matchesAggregate(AggregateRef ref) {
    if (!aggregateNames.isEmpty() && !aggregateNames.contains(ref.name())) {
      return false;
    }
    if (!aggregateIds.isEmpty() && !aggregateIds.contains(ref.id())) {
      return false;
    }
    int v = ref.version();
    if (!versionExact.isEmpty() && !versionExact.contains(v)) {
      return false;
    }
    if (!versionRanges.isEmpty() && !anyContains(versionRanges, v)) {
      return false;
    }
    if ((versionMin != null && v < versionMin) || (versionMax != null && v > versionMax)) {
      return false;
    }
    if (aggregates.isEmpty()) {
      return true;
    }
    // Plain loops here and below: matches runs once per event read, so no stream per call.
    for (AggregateSelector s : aggregates) {
      if (s.matches(ref)) {
        return true;
      }
    }
    return false;
  }

  private static <T extends Comparable<? super T>> boolean anyContains(List<Range<T>> ranges, T value) {
    for (Range<T> r : ranges) {
      if (r.contains(value)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code o} is a query with the same settings. The order in which filter values were
   * given does not matter (any of them matches, whatever the order), so ranges and aggregate
   * selectors compare as sets; the order of sort keys does matter.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof EventQuery q
        && names.equals(q.names)
        && ids.equals(q.ids)
        && timeExact.equals(q.timeExact)
        && sameElements(timeRanges, q.timeRanges)
        && Objects.equals(timeMin, q.timeMin)
        && Objects.equals(timeMax, q.timeMax)
        && Objects.equals(timeBefore, q.timeBefore)
        && Objects.equals(timeAfter, q.timeAfter)
        && aggregateNames.equals(q.aggregateNames)
        && aggregateIds.equals(q.aggregateIds)
        && versionExact.equals(q.versionExact)
        && sameElements(versionRanges, q.versionRanges)
        && Objects.equals(versionMin, q.versionMin)
        && Objects.equals(versionMax, q.versionMax)
        && sameElements(aggregates, q.aggregates)
        && afterPosition == q.afterPosition
        && sort.equals(q.sort)
        && Objects.equals(limit, q.limit);
  }

  @Override
  public int hashCode() {
    // Set hash codes are sums over the elements: independent of order, as equals is.
    return Objects.hash(
        names, ids, timeExact, Set.copyOf(timeRanges), timeMin, timeMax, timeBefore, timeAfter,
        aggregateNames, aggregateIds, versionExact, Set.copyOf(versionRanges), versionMin,
        versionMax, Set.copyOf(aggregates), afterPosition, sort, limit);
  }

  private static boolean sameElements(List<?> a, List<?> b) {
    return Set.copyOf(a).equals(Set.copyOf(b));
  }

  @Override
  public String toString() {
    var parts = new ArrayList<String>();
    add(parts, "names", names);
    add(parts, "ids", ids);
    add(parts, "timeExact", timeExact);
    add(parts, "timeRanges", timeRanges);
    add(parts, "timeMin", timeMin);
    add(parts, "timeMax", timeMax);
    add(parts, "timeBefore", timeBefore);
    add(parts, "timeAfter", timeAfter);
    add(parts, "aggregateNames", aggregateNames);
    add(parts, "aggregateIds", aggregateIds);
    add(parts, "versionExact", versionExact);
    add(parts, "versionRanges", versionRanges);
    add(parts, "versionMin", versionMin);
    add(parts, "versionMax", versionMax);
    add(parts, "aggregates", aggregates);
    add(parts, "afterPosition", afterPosition == 0 ? null : afterPosition);
    add(parts, "sort", sort);
    add(parts, "limit", limit);
    return "EventQuery" + parts;
  }

  private static void add(List<String> parts, String label, @Nullable Object value) {
    if (value != null && !(value instanceof Collection<?> c && c.isEmpty())) {
      parts.add(label + "=" + value);
    }
  }

  /**
   * Builds an {@link EventQuery}. List-valued settings accumulate; single-valued ones (min, max,
   * before, after, start position, limit) may be set once, and a second call fails at once.
   * Contradictions (min after max, a negative limit) fail at {@link #build()} with an {@link
   * InvalidQueryException}. A null argument or value is a {@link NullPointerException} naming it;
   * a blank name (event name, aggregate name, selector) can match nothing and is an {@link
   * InvalidQueryException} at once, naming the method.
   */
  public static final class Builder {
    private final Set<String> names = new LinkedHashSet<>();
    private final Set<UUID> ids = new LinkedHashSet<>();
    private final Set<Instant> timeExact = new LinkedHashSet<>();
    private final List<Range<Instant>> timeRanges = new ArrayList<>();
    private @Nullable Instant timeMin;
    private @Nullable Instant timeMax;
    private @Nullable Instant timeBefore;
    private @Nullable Instant timeAfter;
    private final Set<String> aggregateNames = new LinkedHashSet<>();
    private final Set<UUID> aggregateIds = new LinkedHashSet<>();
    private final Set<Integer> versionExact = new LinkedHashSet<>();
    private final List<Range<Integer>> versionRanges = new ArrayList<>();
    private @Nullable Integer versionMin;
    private @Nullable Integer versionMax;
    private final List<AggregateSelector> aggregates = new ArrayList<>();
    private long afterPosition;
    private boolean afterPositionSet;
    private final List<SortOrder> sort = new ArrayList<>();
    private @Nullable Integer limit;

    private Builder() {}

    /** Matches events with any of these names. */
    public Builder names(String... values) {
      Objects.requireNonNull(values, "values");
      return names(Arrays.asList(values));
    }

    /** Matches events with any of these names. */
    public Builder names(Collection<String> values) {
      Objects.requireNonNull(values, "values");
      values.forEach(v -> names.add(requireName(v, "names", "name")));
      return this;
    }

    /** Matches events with any of these ids. */
    public Builder ids(UUID... values) {
      Objects.requireNonNull(values, "values");
      return ids(Arrays.asList(values));
    }

    /** Matches events with any of these ids. */
    public Builder ids(Collection<UUID> values) {
      Objects.requireNonNull(values, "values");
      values.forEach(v -> ids.add(Objects.requireNonNull(v, "id")));
      return this;
    }

    /** Matches events at any of these exact times. */
    public Builder timeExact(Instant... values) {
      Objects.requireNonNull(values, "values");
      for (Instant v : values) {
        timeExact.add(Objects.requireNonNull(v, "time"));
      }
      return this;
    }

    /** Matches events within {@code [from, to]}; several ranges match any. */
    public Builder timeBetween(Instant from, Instant to) {
      timeRanges.add(new Range<>(from, to));
      return this;
    }

    /** Matches events at or after {@code min}. */
    public Builder timeMin(Instant min) {
      requireUnset(timeMin, "timeMin");
      timeMin = Objects.requireNonNull(min, "min");
      return this;
    }

    /** Matches events at or before {@code max}. */
    public Builder timeMax(Instant max) {
      requireUnset(timeMax, "timeMax");
      timeMax = Objects.requireNonNull(max, "max");
      return this;
    }

    /** Matches events strictly before {@code time}. */
    public Builder timeBefore(Instant time) {
      requireUnset(timeBefore, "timeBefore");
      timeBefore = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Matches events strictly after {@code time}. */
    public Builder timeAfter(Instant time) {
      requireUnset(timeAfter, "timeAfter");
      timeAfter = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Matches events of aggregates with any of these names. */
    public Builder aggregateNames(String... values) {
      Objects.requireNonNull(values, "values");
      for (String v : values) {
        aggregateNames.add(requireName(v, "aggregateNames", "aggregate name"));
      }
      return this;
    }

    /** Matches events of aggregates with any of these ids. */
    public Builder aggregateIds(UUID... values) {
      Objects.requireNonNull(values, "values");
      for (UUID v : values) {
        aggregateIds.add(Objects.requireNonNull(v, "aggregate id"));
      }
      return this;
    }

    /** Matches events at any of these aggregate versions. */
    public Builder versionExact(int... values) {
      Objects.requireNonNull(values, "values");
      for (int v : values) {
        versionExact.add(v);
      }
      return this;
    }

    /** Matches events with an aggregate version within {@code [from, to]}. */
    public Builder versionBetween(int from, int to) {
      versionRanges.add(new Range<>(from, to));
      return this;
    }

    /** Matches events with an aggregate version of at least {@code min}. */
    public Builder versionMin(int min) {
      requireUnset(versionMin, "versionMin");
      versionMin = min;
      return this;
    }

    /** Matches events with an aggregate version of at most {@code max}. */
    public Builder versionMax(int max) {
      requireUnset(versionMax, "versionMax");
      versionMax = max;
      return this;
    }

    /** Matches the events of the aggregate with this name and id. */
    public Builder aggregate(String name, UUID id) {
      requireName(name, "aggregate", "name");
      aggregates.add(AggregateSelector.of(name, id));
      return this;
    }

    /** Matches the events of every aggregate with this name (wildcard id). */
    public Builder aggregate(String name) {
      requireName(name, "aggregate", "name");
      aggregates.add(AggregateSelector.anyId(name));
      return this;
    }

    /** Adds aggregate selectors. */
    public Builder aggregates(Collection<AggregateSelector> selectors) {
      Objects.requireNonNull(selectors, "selectors");
      selectors.forEach(s -> aggregates.add(Objects.requireNonNull(s, "selector")));
      return this;
    }

    /** Matches only events with a global position strictly greater than {@code position}. */
    public Builder afterPosition(long position) {
      if (afterPositionSet) {
        throw new IllegalStateException("afterPosition was already set to " + afterPosition);
      }
      afterPositionSet = true;
      afterPosition = position;
      return this;
    }

    /** Adds sort keys, less significant than those added before. */
    public Builder sortBy(SortOrder... orders) {
      Objects.requireNonNull(orders, "orders");
      for (SortOrder o : orders) {
        sort.add(Objects.requireNonNull(o, "sort order"));
      }
      return this;
    }

    /** Adds an ascending sort key. */
    public Builder sortBy(SortField field) {
      return sortBy(SortOrder.asc(field));
    }

    /** Returns at most {@code max} events. */
    public Builder limit(int max) {
      requireUnset(limit, "limit");
      limit = max;
      return this;
    }

    /**
     * The query.
     *
     * @throws InvalidQueryException when settings contradict each other or are out of range
     */
    public EventQuery build() {
      if (timeMin != null && timeMax != null && timeMin.isAfter(timeMax)) {
        throw new InvalidQueryException("timeMin " + timeMin + " is after timeMax " + timeMax);
      }
      if (timeAfter != null && timeBefore != null && !timeAfter.isBefore(timeBefore)) {
        throw new InvalidQueryException(
            "timeAfter " + timeAfter + " is not before timeBefore " + timeBefore);
      }
      if (versionMin != null && versionMax != null && versionMin > versionMax) {
        throw new InvalidQueryException(
            "versionMin " + versionMin + " is greater than versionMax " + versionMax);
      }
      if (versionMin != null && versionMin < 0) {
        throw new InvalidQueryException("versionMin must not be negative, got " + versionMin);
      }
      if (limit != null && limit < 0) {
        throw new InvalidQueryException("limit must not be negative, got " + limit);
      }
      if (afterPosition < 0) {
        throw new InvalidQueryException(
            "afterPosition must not be negative, got " + afterPosition);
      }
      var fields = new LinkedHashSet<SortField>();
      for (SortOrder o : sort) {
        if (!fields.add(o.field())) {
          throw new InvalidQueryException("sort field " + o.field() + " is given twice");
        }
      }
      return new EventQuery(this);
    }

    /**
     * {@code value}, checked: a name that is null or blank can match nothing, so it is refused
     * instead of silently emptying the result.
     */
    private static String requireName(@Nullable String value, String method, String argument) {
      Objects.requireNonNull(value, argument);
      if (value.isBlank()) {
        throw new InvalidQueryException(
            "EventQuery.Builder." + method + ": " + argument + " must not be blank, got \"" + value + "\"");
      }
      return value;
    }

    private static void requireUnset(@Nullable Object current, String setting) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }
  }
}
