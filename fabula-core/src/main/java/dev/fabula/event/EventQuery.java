package dev.fabula.event;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
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

  private EventQuery(EventQuerySettings b) {
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

  /**
   * A builder pre-filled with this query's settings, to derive another query from it: each
   * single-valued setting copied may be replaced once, and multi-valued filters and sort keys add
   * to those copied ({@link Builder} says how copied values are checked).
   */
  public Builder toBuilder() {
    return new Builder(EventQuerySettings.of(this));
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
    return !aggregateNames.isEmpty() || !aggregateIds.isEmpty() || !versionExact.isEmpty()
        || !versionRanges.isEmpty() || versionMin != null || versionMax != null
        || !aggregates.isEmpty();
  }

  /**
   * Whether {@code o} is a query with the same settings. The order in which filter values were
   * given does not matter (any of them matches, whatever the order), so ranges and aggregate
   * selectors compare as sets; the order of sort keys does matter.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof EventQuery q && EventQueryValues.equal(this, q);
  }

  @Override
  public int hashCode() {
    return EventQueryValues.hash(this);
  }

  /** The settings made, by name, leaving out those not made. */
  @Override
  public String toString() {
    return EventQueryValues.render(this);
  }

  /**
   * Builds an {@link EventQuery}, failing at the call that makes a mistake. Multi-valued filters
   * (names, ids, times, ranges, aggregates) and sort keys accumulate. A single-valued setting (time
   * min, max, before and after, version min and max, start position, limit) may be made once: a
   * second call is an {@link IllegalStateException} naming the setting and both values. So are two
   * settings that contradict each other, so that no event could match (time min after max; time
   * after not before before or max; time min not before before; version min above max; a field
   * sorted by twice), naming both. A value no query can use (a negative limit, start position,
   * version minimum or maximum, a backward range, a blank name) is an {@link
   * InvalidQueryException} at once, naming the method; a null argument or value a {@link
   * NullPointerException} naming it. On a builder from {@link EventQuery#toBuilder()}, each
   * single-valued setting copied may be replaced once ({@code q.toBuilder().limit(5)} gives
   * {@code q} with a limit of 5), and a setter is not checked against a copied value, which may
   * yet be replaced: a contradiction left with a copied value fails at {@link #build()}.
   */
  public static final class Builder {
    private final EventQuerySettings s;

    private Builder() {
      this(new EventQuerySettings());
    }

    private Builder(EventQuerySettings settings) {
      this.s = settings;
    }

    /** Matches events with any of these names. */
    public Builder names(String... values) {
      Objects.requireNonNull(values, "values");
      return names(Arrays.asList(values));
    }

    /** Matches events with any of these names. */
    public Builder names(Collection<String> values) {
      Objects.requireNonNull(values, "values");
      values.forEach(v -> s.names.add(EventQuerySettings.requireName(v, "names", "name")));
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
      values.forEach(v -> s.ids.add(Objects.requireNonNull(v, "id")));
      return this;
    }

    /** Matches events at any of these exact times. */
    public Builder timeExact(Instant... values) {
      Objects.requireNonNull(values, "values");
      for (Instant v : values) {
        s.timeExact.add(Objects.requireNonNull(v, "time"));
      }
      return this;
    }

    /** Matches events within {@code [from, to]}; several ranges match any. */
    public Builder timeBetween(Instant from, Instant to) {
      s.timeRanges.add(new Range<>(from, to));
      return this;
    }

    /** Matches events at or after {@code min}. */
    public Builder timeMin(Instant min) {
      s.timeMin(min);
      return this;
    }

    /** Matches events at or before {@code max}. */
    public Builder timeMax(Instant max) {
      s.timeMax(max);
      return this;
    }

    /** Matches events strictly before {@code time}. */
    public Builder timeBefore(Instant time) {
      s.timeBefore(time);
      return this;
    }

    /** Matches events strictly after {@code time}. */
    public Builder timeAfter(Instant time) {
      s.timeAfter(time);
      return this;
    }

    /** Matches events of aggregates with any of these names. */
    public Builder aggregateNames(String... values) {
      Objects.requireNonNull(values, "values");
      for (String v : values) {
        s.aggregateNames.add(EventQuerySettings.requireName(v, "aggregateNames", "aggregate name"));
      }
      return this;
    }

    /** Matches events of aggregates with any of these ids. */
    public Builder aggregateIds(UUID... values) {
      Objects.requireNonNull(values, "values");
      for (UUID v : values) {
        s.aggregateIds.add(Objects.requireNonNull(v, "aggregate id"));
      }
      return this;
    }

    /** Matches events at any of these aggregate versions. */
    public Builder versionExact(int... values) {
      Objects.requireNonNull(values, "values");
      for (int v : values) {
        s.versionExact.add(v);
      }
      return this;
    }

    /** Matches events with an aggregate version within {@code [from, to]}. */
    public Builder versionBetween(int from, int to) {
      s.versionRanges.add(new Range<>(from, to));
      return this;
    }

    /** Matches events with an aggregate version of at least {@code min}. */
    public Builder versionMin(int min) {
      s.versionMin(min);
      return this;
    }

    /** Matches events with an aggregate version of at most {@code max}. */
    public Builder versionMax(int max) {
      s.versionMax(max);
      return this;
    }

    /** Matches the events of the aggregate with this name and id. */
    public Builder aggregate(String name, UUID id) {
      EventQuerySettings.requireName(name, "aggregate", "name");
      s.aggregates.add(AggregateSelector.of(name, id));
      return this;
    }

    /** Matches the events of every aggregate with this name (wildcard id). */
    public Builder aggregate(String name) {
      EventQuerySettings.requireName(name, "aggregate", "name");
      s.aggregates.add(AggregateSelector.anyId(name));
      return this;
    }

    /** Adds aggregate selectors. */
    public Builder aggregates(Collection<AggregateSelector> selectors) {
      Objects.requireNonNull(selectors, "selectors");
      selectors.forEach(sel -> s.aggregates.add(Objects.requireNonNull(sel, "selector")));
      return this;
    }

    /** Matches only events with a global position strictly greater than {@code position}. */
    public Builder afterPosition(long position) {
      s.afterPosition(position);
      return this;
    }

    /** Adds sort keys, less significant than those added before; each field at most once. */
    public Builder sortBy(SortOrder... orders) {
      Objects.requireNonNull(orders, "orders");
      for (SortOrder o : orders) {
        s.sortBy(o);
      }
      return this;
    }

    /** Adds an ascending sort key. */
    public Builder sortBy(SortField field) {
      return sortBy(SortOrder.asc(field));
    }

    /** Returns at most {@code max} events. */
    public Builder limit(int max) {
      s.limit(max);
      return this;
    }

    /**
     * The query. Every setting was checked when it was made, against those made on this builder;
     * here the settings are checked as a whole.
     *
     * @throws IllegalStateException when a setting contradicts a value copied by {@link
     *     EventQuery#toBuilder()} and not replaced, naming both
     */
    public EventQuery build() {
      s.checkAll();
      return new EventQuery(s);
    }
  }
}
