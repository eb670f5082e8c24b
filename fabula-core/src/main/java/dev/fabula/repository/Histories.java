package dev.fabula.repository;

import dev.fabula.aggregate.SoftDeleted;
import dev.fabula.aggregate.SoftRestored;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidQueryException;
import dev.fabula.event.Range;
import dev.fabula.event.SortField;
import dev.fabula.spi.QueryPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Answers a repository's queries: groups the events of one aggregate type into one {@link
 * History} per aggregate and keeps the histories the query selects (as {@link Repository#query}
 * describes).
 *
 * <p>The only place a repository matches events against a query ({@link #anyMatches}).
 */
final class Histories {
  private final EventStore store;
  private final String aggregateName;

  Histories(EventStore store, String aggregateName) {
    this.store = store;
    this.aggregateName = aggregateName;
  }

  /**
   * Goes' aggregate query: this repository's aggregates, narrowed by the query's filters, each
   * returned with its whole history up to the version cap the query's version filters give. The
   * store is read once, sorted by aggregate id and version and restricted to this aggregate type
   * (and to the selected ids, and the cap, where the query gives them); a history is kept when at
   * least one of its events matches the query.
   */
  Stream<History> query(EventQuery query, boolean includingDeleted) {
    if (!query.sort().isEmpty()) {
      throw new InvalidQueryException(
          "repository queries return histories grouped by aggregate; remove the sort keys " + query.sort());
    }
    refuseOtherAggregateTypes(query);
    Set<UUID> ids = selectedIds(query);
    int cap = versionCap(query);
    if ((ids != null && ids.isEmpty()) || cap < 1) {
      return Stream.empty();
    }
    var read = EventQuery.builder();
    if (ids == null) {
      read.aggregate(aggregateName);
    } else {
      ids.forEach(id -> read.aggregate(aggregateName, id));
    }
    if (cap != Integer.MAX_VALUE) {
      read.versionMax(cap);
    }
    Stream<Event<?>> events =
        store.query(read.sortBy(SortField.AGGREGATE_ID).sortBy(SortField.AGGREGATE_VERSION).build());
    QueryPlan plan = QueryPlan.of(query); // once per query: matched against every history's events
    Iterator<History> histories = new GroupingIterator(events.iterator());
    Stream<History> result =
        StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(histories, Spliterator.ORDERED | Spliterator.NONNULL),
                false)
            .onClose(events::close)
            .filter(h -> anyMatches(plan, h) && (includingDeleted || !endsDeleted(h)));
    return query.limit().isPresent() ? result.limit(query.limit().getAsInt()) : result;
  }

  /** A name of another aggregate type in a query of this repository is a mistake: refused. */
  private void refuseOtherAggregateTypes(EventQuery query) {
    for (String name : query.aggregateNames()) {
      if (!name.equals(aggregateName)) {
        throw new InvalidQueryException(
            "the repository of " + aggregateName + " aggregates cannot select aggregates named "
                + name + " (aggregateNames)");
      }
    }
    for (AggregateSelector s : query.aggregates()) {
      if (!s.name().equals(aggregateName)) {
        throw new InvalidQueryException(
            "the repository of " + aggregateName + " aggregates cannot select aggregates named "
                + s.name() + " (aggregate selector " + s + ")");
      }
    }
  }

  /**
   * The ids the query's aggregate ids and selectors allow (both when both are given); {@code
   * null} when they allow every id.
   */
  private static @Nullable Set<UUID> selectedIds(EventQuery query) {
    Set<UUID> fromSelectors = null;
    boolean anyId = false;
    for (AggregateSelector s : query.aggregates()) {
      if (s instanceof AggregateSelector.Exact exact) {
        if (fromSelectors == null) {
          fromSelectors = new LinkedHashSet<>();
        }
        fromSelectors.add(exact.id());
      } else {
        anyId = true;
      }
    }
    if (anyId) {
      fromSelectors = null;
    }
    Set<UUID> fromIds = query.aggregateIds().isEmpty() ? null : query.aggregateIds();
    if (fromSelectors == null) {
      return fromIds;
    }
    if (fromIds != null) {
      fromSelectors.retainAll(fromIds);
    }
    return fromSelectors;
  }

  /**
   * The highest version the query's version filters let through (as goes turns version filters
   * into caps): the greatest exact version, the greatest range end, the maximum, whichever of
   * them are given, the lowest of those; {@link Integer#MAX_VALUE} when none is.
   */
  private static int versionCap(EventQuery query) {
    int cap = Integer.MAX_VALUE;
    if (!query.versionExact().isEmpty()) {
      cap = Math.min(cap, Collections.max(query.versionExact()));
    }
    if (!query.versionRanges().isEmpty()) {
      int highest = Integer.MIN_VALUE;
      for (Range<Integer> r : query.versionRanges()) {
        highest = Math.max(highest, r.to());
      }
      cap = Math.min(cap, highest);
    }
    if (query.versionMax().isPresent()) {
      cap = Math.min(cap, query.versionMax().getAsInt());
    }
    return cap;
  }

  /** Whether at least one event of the history matches the query. */
  private static boolean anyMatches(QueryPlan plan, History history) {
    for (Event<?> e : history.events()) {
      if (plan.matches(e)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the history's last deletion marker is a soft deletion, as replaying it would say. */
  private static boolean endsDeleted(History history) {
    boolean deleted = false;
    for (Event<?> e : history.events()) {
      if (e.data() instanceof SoftDeleted) {
        deleted = true;
      } else if (e.data() instanceof SoftRestored) {
        deleted = false;
      }
    }
    return deleted;
  }

  /** Groups an event stream sorted by aggregate id and version into one history per aggregate. */
  private final class GroupingIterator implements Iterator<History> {
    private final Iterator<Event<?>> events;
    private @Nullable Event<?> pending;

    GroupingIterator(Iterator<Event<?>> events) {
      this.events = events;
      pending = events.hasNext() ? events.next() : null;
    }

    @Override
    public boolean hasNext() {
      return pending != null;
    }

    @Override
    public History next() {
      Event<?> first = pending;
      if (first == null) {
        throw new NoSuchElementException();
      }
      AggregateRef ref = first.aggregateOrNull();
      UUID id = ref == null ? new UUID(0, 0) : ref.id();
      List<Event<?>> batch = new ArrayList<>();
      batch.add(first);
      pending = null;
      while (events.hasNext()) {
        Event<?> e = events.next();
        AggregateRef r = e.aggregateOrNull();
        if (r != null && r.id().equals(id)) {
          batch.add(e);
        } else {
          pending = e;
          break;
        }
      }
      return new History(aggregateName, id, batch);
    }
  }
}
