package dev.fabula.spi;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.Range;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Decides, once per {@link EventQuery}, how every store answers it, so that all backends agree.
 *
 * <p>A store translates the plan instead of interpreting the query itself: the {@link #scope()}
 * says which aggregates it reads (exactly one, several given ones, or any), {@link
 * #followsStore()} whether the read follows the store by position (so the gap-safe horizon
 * applies) or reads given events and aggregates (so every committed row is visible at once),
 * {@link #order()} the complete order of the result (ties always broken), the version bounds and
 * {@link #afterPosition()} what an index range can skip, and {@link #matches(Event)} and {@link
 * #comparator()} what a store that filters and sorts in memory applies. A query language
 * translator reads the filters from {@link #query()}; the plan never changes their meaning.
 *
 * <p>Immutable and thread-safe; a plan built once may be used for any number of reads.
 */
public final class QueryPlan {
  /** Which aggregates a query reads. */
  public sealed interface Scope {}

  /**
   * Exactly one aggregate's events: the query's aggregate selectors are all exact and all name
   * this aggregate (once or several times). The result is in version order unless sorted
   * otherwise.
   */
  public record One(String name, UUID id) implements Scope {
    /** Validates the aggregate. */
    public One {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(id, "id");
    }
  }

  /**
   * The events of two or more given aggregates: the selectors are all exact. {@code aggregates}
   * holds each once, in the order first given.
   */
  public record Several(List<AggregateSelector.Exact> aggregates) implements Scope {
    /** Validates and copies the list. */
    public Several {
      aggregates = List.copyOf(aggregates);
      if (aggregates.size() < 2) {
        throw new IllegalArgumentException("Several needs two or more aggregates, got " + aggregates);
      }
    }
  }

  /**
   * Any aggregate, and events of none: the plan's filters select (wildcard selectors, aggregate
   * names and ids among them).
   */
  public record Any() implements Scope {}

  private static final Any ANY = new Any();
  /** The order of a query without sort keys (most reads): shared, as is its comparator. */
  private static final List<SortOrder> POSITION_ORDER = List.of(SortOrder.asc(SortField.POSITION));

  private final EventQuery query;
  private final OptionalInt limit;
  private final Scope scope;
  private final boolean followsStore;
  private final List<SortOrder> order;
  private final boolean positionOrder;
  private final int firstVersion;
  private final int lastVersion;
  private final boolean boundsOnly;
  private final boolean filtersAggregates;
  private final Comparator<Event<?>> comparator;
  // The filters, read once: matches runs once per event read, so no Optional per call.
  private final @Nullable Instant timeMin;
  private final @Nullable Instant timeMax;
  private final @Nullable Instant timeBefore;
  private final @Nullable Instant timeAfter;
  private final int versionMin;
  private final int versionMax;
  // The exact versions and the version ranges as VersionSets keeps them: no Integer per event.
  private final int[] versionExact;
  private final int[] versionRanges;

  private QueryPlan(EventQuery q, boolean limited) {
    // Each Optional of the query is read once: a plan is built per read (a repository's load).
    this.query = q;
    this.limit = limited ? q.limit() : OptionalInt.empty();
    this.scope = scopeOf(q.aggregates());
    boolean one = scope instanceof One;
    boolean givenAggregates = !(scope instanceof Any);
    this.followsStore = !givenAggregates && q.ids().isEmpty() && q.aggregateIds().isEmpty();
    this.order = orderOf(q.sort(), one);
    this.positionOrder = isPositionOrder(order, one);
    OptionalInt min = q.versionMin();
    OptionalInt max = q.versionMax();
    this.firstVersion = Math.max(min.orElse(1), 1);
    this.lastVersion = max.orElse(Integer.MAX_VALUE);
    this.versionMin = min.orElse(Integer.MIN_VALUE);
    this.versionMax = max.orElse(Integer.MAX_VALUE);
    this.timeMin = q.timeMin().orElse(null);
    this.timeMax = q.timeMax().orElse(null);
    this.timeBefore = q.timeBefore().orElse(null);
    this.timeAfter = q.timeAfter().orElse(null);
    this.filtersAggregates = q.filtersAggregates();
    this.boundsOnly = givenAggregates
        && q.afterPosition() == 0
        && q.names().isEmpty()
        && q.ids().isEmpty()
        && q.timeExact().isEmpty()
        && q.timeRanges().isEmpty()
        && timeMin == null
        && timeMax == null
        && timeBefore == null
        && timeAfter == null
        && q.aggregateNames().isEmpty()
        && q.aggregateIds().isEmpty()
        && q.versionExact().isEmpty()
        && q.versionRanges().isEmpty();
    this.comparator = EventOrder.comparator(order);
    this.versionExact = VersionSets.sorted(q.versionExact());
    this.versionRanges = VersionSets.rangeEnds(q.versionRanges());
  }

  /** The plan for {@code query}. */
  public static QueryPlan of(EventQuery query) {
    return new QueryPlan(Objects.requireNonNull(query, "query"), true);
  }

  /** The plan for {@code query} without its limit, which the caller applies (upcasting). */
  static QueryPlan unlimited(EventQuery query) {
    return new QueryPlan(Objects.requireNonNull(query, "query"), false);
  }

  /** The query planned: its filters are what a query language translator translates. */
  public EventQuery query() {
    return query;
  }

  /** Which aggregates the query reads: {@link One}, {@link Several} or {@link Any}. */
  public Scope scope() {
    return scope;
  }

  /**
   * Whether the read follows the store as a whole, in position order, so it must not see past a
   * writer still in flight (the gap-safe horizon of a backend applies). False when the query reads
   * given events (ids) or given aggregates (exact selectors, or aggregate ids): those reads must
   * see every committed event at once, or a writer could not read back what it just wrote.
   */
  public boolean followsStore() {
    return followsStore;
  }

  /**
   * The complete order of the result: the query's sort keys, then ascending position to break
   * ties, unless the keys already order every pair (a position key, or the version of one
   * aggregate). Never empty.
   */
  public List<SortOrder> order() {
    return order;
  }

  /**
   * Whether the result is in ascending position order, so a store that walks positions needs no
   * sort. Within one aggregate this counts ascending version order as position order too, which
   * holds only for a store that assigns each aggregate's positions in the order its versions commit
   * (the in-memory store, which writes under one lock). A store that cannot promise that (PostgreSQL,
   * whose positions come from a sequence drawn before commit) always sorts by {@link #order()}.
   */
  public boolean inPositionOrder() {
    return positionOrder;
  }

  /** The lowest aggregate version the query can return (1 when it sets no minimum). */
  public int firstVersion() {
    return firstVersion;
  }

  /** The highest aggregate version the query can return ({@code Integer.MAX_VALUE} when unset). */
  public int lastVersion() {
    return lastVersion;
  }

  /** Only events after this store position are returned (0: from the start). */
  public long afterPosition() {
    return query.afterPosition();
  }

  /** The maximum number of events returned. */
  public OptionalInt limit() {
    return limit;
  }

  /**
   * Whether the given aggregates' events within {@link #firstVersion()} and {@link #lastVersion()}
   * are exactly the result, so a store can read that range without filtering each event (what a
   * repository's load asks for). Always false for {@link Any}.
   */
  public boolean boundsOnly() {
    return boundsOnly;
  }

  /**
   * Whether every event of the result belongs to an aggregate (the query filters on something
   * about aggregates), so sorting need not place events without one.
   */
  public boolean everyEventHasAggregate() {
    return filtersAggregates;
  }

  /**
   * Whether {@code event} passes every filter of the query (order and limit aside). Stores that
   * filter in memory, buses and projection guards use this; a query language translator must
   * keep to the same rules.
   */
  public boolean matches(Event<?> event) {
    Objects.requireNonNull(event, "event");
    EventQuery q = query;
    if (event.position() != 0 && event.position() <= q.afterPosition()) {
      return false;
    }
    if (!q.names().isEmpty() && !q.names().contains(event.name())) {
      return false;
    }
    if (!q.ids().isEmpty() && !q.ids().contains(event.id())) {
      return false;
    }
    if (!matchesTime(event.time())) {
      return false;
    }
    if (!filtersAggregates) {
      return true;
    }
    AggregateRef ref = event.aggregateOrNull();
    return ref != null && matchesAggregate(ref);
  }

  /**
   * Orders events as {@link #order()} says: events without an aggregate sort first ascending and
   * last descending by any aggregate key; ids compare as their 16 bytes unsigned, names (event and
   * aggregate) by code point ({@link TextOrder}), the order of PostgreSQL's {@code COLLATE "C"} on
   * UTF-8 text and of MongoDB.
   */
  public Comparator<Event<?>> comparator() {
    return comparator;
  }

  @Override
  public String toString() {
    return "QueryPlan[" + scope + ", followsStore=" + followsStore + ", order=" + order + ", query=" + query + "]";
  }

  private static Scope scopeOf(List<AggregateSelector> selectors) {
    if (selectors.isEmpty() || !(selectors.get(0) instanceof AggregateSelector.Exact first)) {
      return ANY;
    }
    // The usual query (a repository's load) names one aggregate: no set for it.
    int same = 1;
    while (same < selectors.size() && first.equals(selectors.get(same))) {
      same++;
    }
    if (same == selectors.size()) {
      return new One(first.name(), first.id());
    }
    LinkedHashSet<AggregateSelector.Exact> distinct = new LinkedHashSet<>();
    for (AggregateSelector s : selectors) {
      if (!(s instanceof AggregateSelector.Exact exact)) {
        return ANY;
      }
      distinct.add(exact);
    }
    if (distinct.size() == 1) {
      AggregateSelector.Exact only = distinct.iterator().next();
      return new One(only.name(), only.id());
    }
    return new Several(new ArrayList<>(distinct));
  }

  private static List<SortOrder> orderOf(List<SortOrder> sort, boolean oneAggregate) {
    if (sort.isEmpty()) {
      return POSITION_ORDER;
    }
    for (int i = 0; i < sort.size(); i++) {
      if (decides(sort.get(i), oneAggregate)) {
        // Later keys never decide. A query's sort is immutable: the usual one (a repository's
        // load, by the version of one aggregate) is its own complete order.
        return i == sort.size() - 1 ? sort : List.copyOf(sort.subList(0, i + 1));
      }
    }
    List<SortOrder> keys = new ArrayList<>(sort.size() + 1);
    keys.addAll(sort);
    keys.add(SortOrder.asc(SortField.POSITION));
    return List.copyOf(keys);
  }

  /** Whether {@code key} orders every pair of the result, so later keys never decide. */
  private static boolean decides(SortOrder key, boolean oneAggregate) {
    return key.field() == SortField.POSITION || (oneAggregate && key.field() == SortField.AGGREGATE_VERSION);
  }

  /**
   * Whether {@code order} is ascending position order: its first key that orders anything is an
   * ascending position, or, within one aggregate (where the name and id are constant and versions
   * rise with positions), an ascending version.
   */
  private static boolean isPositionOrder(List<SortOrder> order, boolean oneAggregate) {
    for (SortOrder o : order) {
      switch (o.field()) {
        case POSITION -> {
          return !o.descending();
        }
        case AGGREGATE_VERSION -> {
          if (oneAggregate) {
            return !o.descending();
          }
          return false;
        }
        case AGGREGATE_NAME, AGGREGATE_ID -> {
          if (!oneAggregate) {
            return false;
          }
          // constant within one aggregate: does not order
        }
        default -> {
          return false;
        }
      }
    }
    return true; // not reached: the order always ends in a deciding key
  }

  private boolean matchesTime(Instant t) {
    EventQuery q = query;
    if (!q.timeExact().isEmpty() && !q.timeExact().contains(t)) {
      return false;
    }
    if (!q.timeRanges().isEmpty() && !anyContains(q.timeRanges(), t)) {
      return false;
    }
    return (timeMin == null || !t.isBefore(timeMin))
        && (timeMax == null || !t.isAfter(timeMax))
        && (timeBefore == null || t.isBefore(timeBefore))
        && (timeAfter == null || t.isAfter(timeAfter));
  }

  private boolean matchesAggregate(AggregateRef ref) {
    EventQuery q = query;
    if (!q.aggregateNames().isEmpty() && !q.aggregateNames().contains(ref.name())) {
      return false;
    }
    if (!q.aggregateIds().isEmpty() && !q.aggregateIds().contains(ref.id())) {
      return false;
    }
    int v = ref.version();
    if (v < versionMin || v > versionMax) {
      return false;
    }
    if (versionExact.length != 0 && !VersionSets.contains(versionExact, v)) {
      return false;
    }
    if (versionRanges.length != 0 && !VersionSets.inAnyRange(versionRanges, v)) {
      return false;
    }
    List<AggregateSelector> selectors = q.aggregates();
    if (selectors.isEmpty()) {
      return true;
    }
    // Plain loops: matches runs once per event read, so no stream per call.
    for (AggregateSelector s : selectors) {
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
}
