package dev.fabula.snapshot;

import dev.fabula.event.InvalidQueryException;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What to read from a {@link SnapshotStore}. Within one kind of filter any value matches; across
 * kinds all must. Sorts by aggregate name, id, version or time; unsorted results come in no
 * particular order.
 */
public final class SnapshotQuery {
  private static final Set<SortField> SORTABLE =
      EnumSet.of(SortField.AGGREGATE_NAME, SortField.AGGREGATE_ID, SortField.AGGREGATE_VERSION, SortField.TIME);

  private final Set<String> aggregateNames;
  private final Set<UUID> aggregateIds;
  private final Set<Integer> versions;
  private final @Nullable Integer versionMin;
  private final @Nullable Integer versionMax;
  private final @Nullable Instant timeMin;
  private final @Nullable Instant timeMax;
  private final List<SortOrder> sort;
  private final @Nullable Integer limit;

  private SnapshotQuery(Builder b) {
    aggregateNames = Set.copyOf(b.aggregateNames);
    aggregateIds = Set.copyOf(b.aggregateIds);
    versions = Set.copyOf(b.versions);
    versionMin = b.versionMin;
    versionMax = b.versionMax;
    timeMin = b.timeMin;
    timeMax = b.timeMax;
    sort = List.copyOf(b.sort);
    limit = b.limit;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Aggregate names, any of which matches. */
  public Set<String> aggregateNames() {
    return aggregateNames;
  }

  /** Aggregate ids, any of which matches. */
  public Set<UUID> aggregateIds() {
    return aggregateIds;
  }

  /** Exact versions, any of which matches. */
  public Set<Integer> versions() {
    return versions;
  }

  /** The lowest version included. */
  public OptionalInt versionMin() {
    return versionMin == null ? OptionalInt.empty() : OptionalInt.of(versionMin);
  }

  /** The highest version included. */
  public OptionalInt versionMax() {
    return versionMax == null ? OptionalInt.empty() : OptionalInt.of(versionMax);
  }

  /** The earliest time included. */
  public Optional<Instant> timeMin() {
    return Optional.ofNullable(timeMin);
  }

  /** The latest time included. */
  public Optional<Instant> timeMax() {
    return Optional.ofNullable(timeMax);
  }

  /** Sort keys, most significant first. */
  public List<SortOrder> sort() {
    return sort;
  }

  /** The maximum number of snapshots returned. */
  public OptionalInt limit() {
    return limit == null ? OptionalInt.empty() : OptionalInt.of(limit);
  }

  /** Whether {@code s} passes every filter (sort and limit aside). */
  public boolean matches(Snapshot s) {
    Objects.requireNonNull(s, "snapshot");
    return (aggregateNames.isEmpty() || aggregateNames.contains(s.aggregateName()))
        && (aggregateIds.isEmpty() || aggregateIds.contains(s.aggregateId()))
        && (versions.isEmpty() || versions.contains(s.version()))
        && (versionMin == null || s.version() >= versionMin)
        && (versionMax == null || s.version() <= versionMax)
        && (timeMin == null || !s.time().isBefore(timeMin))
        && (timeMax == null || !s.time().isAfter(timeMax));
  }

  /**
   * Whether {@code o} is a query with the same settings; the order in which filter values were
   * given does not matter, the order of sort keys does.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SnapshotQuery q
        && aggregateNames.equals(q.aggregateNames)
        && aggregateIds.equals(q.aggregateIds)
        && versions.equals(q.versions)
        && Objects.equals(versionMin, q.versionMin)
        && Objects.equals(versionMax, q.versionMax)
        && Objects.equals(timeMin, q.timeMin)
        && Objects.equals(timeMax, q.timeMax)
        && sort.equals(q.sort)
        && Objects.equals(limit, q.limit);
  }

  @Override
  public int hashCode() {
    return Objects.hash(aggregateNames, aggregateIds, versions, versionMin, versionMax, timeMin, timeMax, sort, limit);
  }

  @Override
  public String toString() {
    return "SnapshotQuery[aggregateNames=" + aggregateNames + ", aggregateIds=" + aggregateIds
        + ", versions=" + versions + ", versionMin=" + versionMin + ", versionMax=" + versionMax
        + ", timeMin=" + timeMin + ", timeMax=" + timeMax + ", sort=" + sort + ", limit=" + limit + "]";
  }

  /**
   * Builds a {@link SnapshotQuery}, failing at the call that makes a mistake. Names, ids, versions
   * and sort keys accumulate. A single-valued setting (version min and max, time min and max,
   * limit) may be made once: a second call is an {@link IllegalStateException} naming the setting
   * and both values; so are two settings that contradict each other (a minimum above its maximum, a
   * field sorted by twice), naming both. A value no query can use (a negative limit, a blank
   * aggregate name, a sort field snapshots do not have) is an {@link InvalidQueryException} at once.
   */
  public static final class Builder {
    private final Set<String> aggregateNames = new LinkedHashSet<>();
    private final Set<UUID> aggregateIds = new LinkedHashSet<>();
    private final Set<Integer> versions = new LinkedHashSet<>();
    private @Nullable Integer versionMin;
    private @Nullable Integer versionMax;
    private @Nullable Instant timeMin;
    private @Nullable Instant timeMax;
    private final List<SortOrder> sort = new ArrayList<>();
    private @Nullable Integer limit;

    private Builder() {}

    /** Matches snapshots of aggregates with any of these names. */
    public Builder aggregateNames(String... names) {
      Objects.requireNonNull(names, "names");
      for (String n : names) {
        Objects.requireNonNull(n, "aggregate name");
        if (n.isBlank()) {
          throw new InvalidQueryException(
              "SnapshotQuery.Builder.aggregateNames: aggregate name must not be blank, got \"" + n + "\"");
        }
        aggregateNames.add(n);
      }
      return this;
    }

    /** Matches snapshots of aggregates with any of these ids. */
    public Builder aggregateIds(UUID... ids) {
      Objects.requireNonNull(ids, "ids");
      for (UUID id : ids) {
        aggregateIds.add(Objects.requireNonNull(id, "aggregate id"));
      }
      return this;
    }

    /** Matches snapshots at any of these versions. */
    public Builder versions(int... values) {
      Objects.requireNonNull(values, "values");
      for (int v : values) {
        versions.add(v);
      }
      return this;
    }

    /** Matches snapshots at version {@code min} or later. */
    public Builder versionMin(int min) {
      requireUnset("versionMin", versionMin, min);
      if (versionMax != null && min > versionMax) {
        throw contradiction("versionMin " + min + " is greater than versionMax " + versionMax);
      }
      versionMin = min;
      return this;
    }

    /** Matches snapshots at version {@code max} or earlier. */
    public Builder versionMax(int max) {
      requireUnset("versionMax", versionMax, max);
      if (versionMin != null && versionMin > max) {
        throw contradiction("versionMin " + versionMin + " is greater than versionMax " + max);
      }
      versionMax = max;
      return this;
    }

    /** Matches snapshots whose {@link Snapshot#time()} (their last event's) is {@code min} or later. */
    public Builder timeMin(Instant min) {
      Objects.requireNonNull(min, "min");
      requireUnset("timeMin", timeMin, min);
      if (timeMax != null && min.isAfter(timeMax)) {
        throw contradiction("timeMin " + min + " is after timeMax " + timeMax);
      }
      timeMin = min;
      return this;
    }

    /** Matches snapshots whose {@link Snapshot#time()} (their last event's) is {@code max} or earlier. */
    public Builder timeMax(Instant max) {
      Objects.requireNonNull(max, "max");
      requireUnset("timeMax", timeMax, max);
      if (timeMin != null && timeMin.isAfter(max)) {
        throw contradiction("timeMin " + timeMin + " is after timeMax " + max);
      }
      timeMax = max;
      return this;
    }

    /**
     * Adds sort keys (aggregate name, id, version or time), less significant than those added
     * before; each field at most once.
     */
    public Builder sortBy(SortOrder... orders) {
      Objects.requireNonNull(orders, "orders");
      for (SortOrder o : orders) {
        Objects.requireNonNull(o, "sort order");
        if (!SORTABLE.contains(o.field())) {
          throw new InvalidQueryException("snapshots cannot be sorted by " + o.field());
        }
        for (SortOrder earlier : sort) {
          if (earlier.field() == o.field()) {
            throw contradiction(
                "sort field " + o.field() + " is given twice: sortBy(" + earlier + ") and sortBy(" + o + ")");
          }
        }
        sort.add(o);
      }
      return this;
    }

    /** Returns at most {@code max} snapshots. */
    public Builder limit(int max) {
      requireUnset("limit", limit, max);
      if (max < 0) {
        throw new InvalidQueryException("limit must not be negative, got " + max);
      }
      limit = max;
      return this;
    }

    /** The query: every setting was checked when it was made. */
    public SnapshotQuery build() {
      return new SnapshotQuery(this);
    }

    private static void requireUnset(String setting, @Nullable Object current, Object value) {
      if (current != null) {
        throw new IllegalStateException(
            "SnapshotQuery.Builder: " + setting + " was already set to " + current + ", cannot set it to " + value);
      }
    }

    private static IllegalStateException contradiction(String what) {
      return new IllegalStateException("SnapshotQuery.Builder: " + what);
    }
  }
}
