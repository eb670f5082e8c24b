package dev.fabula.postgres;

import dev.fabula.event.AggregateSelector;
import dev.fabula.event.EventQuery;
import dev.fabula.event.Range;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.spi.QueryPlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Translates a {@link QueryPlan} into the SQL text and parameters of one event query: the plan's
 * scope picks the aggregate filter and the columns, {@link QueryPlan#followsStore()} whether the
 * gap-safe horizon ({@link Positions#SAFE}) applies, {@link QueryPlan#order()} the {@code ORDER BY},
 * and the scope whether the rows come in one round trip or through a cursor.
 */
final class QueryTranslator {
  /** Every column of a stored event, in the order {@link EventReader} reads them. */
  static final String COLUMNS =
      "position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data, metadata";

  /**
   * {@link #COLUMNS} for a query of one aggregate: its name and id are the query's, so the server
   * does not send them again with every row (a tenth of a 10,000-event load, measured).
   */
  private static final String ONE_AGGREGATE_COLUMNS =
      "position, id, name, time_ns, NULL, NULL, aggregate_version, revision, data, metadata";

  /**
   * A translated query.
   *
   * @param one the aggregate every row belongs to, whose name and id columns are not sent; null
   *     when rows carry their own
   * @param fetchSize the rows per round trip of a cursor, or 0 for one plain round trip
   */
  record Select(String sql, List<Object> params, QueryPlan.@Nullable One one, int fetchSize) {}

  private final String table;
  private final int fetchSize;

  /**
   * A translator for one events table.
   *
   * @param table the events table, with its schema
   * @param fetchSize the rows per round trip of a cursor, for reads not bounded by given aggregates
   */
  QueryTranslator(String table, int fetchSize) {
    this.table = table;
    this.fetchSize = fetchSize;
  }

  /** The SQL of {@code plan}, with its parameters in order, without the timeline index. */
  Select translate(QueryPlan plan) {
    return translate(plan, null);
  }

  /**
   * The SQL of {@code plan}, with its parameters in order.
   *
   * @param distance the timeline index's distance operator ({@link TimeIndex#distance()}) when
   *     that index is valid, else null; used only for plans it serves ({@link #servedByTimeIndex})
   */
  Select translate(QueryPlan plan, @Nullable String distance) {
    List<Object> params = new ArrayList<>();
    QueryPlan.@Nullable One one = plan.scope() instanceof QueryPlan.One o ? o : null;
    String sql = "SELECT " + (one != null ? ONE_AGGREGATE_COLUMNS : COLUMNS) + " FROM " + table
        + where(plan, params)
        + (distance != null && servedByTimeIndex(plan)
            ? byDistance(plan, distance, params)
            : orderAndLimit(plan, params));
    // The events of given aggregates (what a repository loads) are bounded by those aggregates'
    // length: one plain round trip. Anything else streams through a cursor.
    int fetch = plan.scope() instanceof QueryPlan.Any ? fetchSize : 0;
    return new Select(sql, params, one, fetch);
  }

  private static String where(QueryPlan plan, List<Object> p) {
    EventQuery q = plan.query();
    Where w = new Where(p);
    if (plan.followsStore()) {
      w.and(Positions.SAFE);
    }
    if (q.afterPosition() > 0) {
      w.and("position > ?", q.afterPosition());
    }
    w.anyOf("name", "text", "text", q.names())
        .anyOf("id", "uuid", "uuid", q.ids())
        .anyOf("time_ns", "bigint", "int8", q.timeExact().stream().map(Pg::toNanos).toList());
    List<String> times = new ArrayList<>();
    for (Range<Instant> r : q.timeRanges()) {
      times.add("time_ns BETWEEN ? AND ?");
      p.add(Pg.clampNanos(r.from()));
      p.add(Pg.clampNanos(r.to()));
    }
    w.anyCondition(times)
        .ifPresent(q.timeMin(), "time_ns >= ?", Pg::clampNanos)
        .ifPresent(q.timeMax(), "time_ns <= ?", Pg::clampNanos)
        .ifPresent(q.timeBefore(), "time_ns < ?", Pg::clampNanos)
        .ifPresent(q.timeAfter(), "time_ns > ?", Pg::clampNanos)
        .anyOf("aggregate_name", "text", "text", q.aggregateNames())
        .anyOf("aggregate_id", "uuid", "uuid", q.aggregateIds())
        .anyOf("aggregate_version", "int", "int4", q.versionExact());
    List<String> versions = new ArrayList<>();
    for (Range<Integer> r : q.versionRanges()) {
      versions.add("aggregate_version BETWEEN ? AND ?");
      p.add(r.from());
      p.add(r.to());
    }
    w.anyCondition(versions);
    if (q.versionMin().isPresent()) {
      w.and("aggregate_version >= ?", q.versionMin().getAsInt());
    }
    if (q.versionMax().isPresent()) {
      w.and("aggregate_version <= ?", q.versionMax().getAsInt());
    }
    switch (plan.scope()) {
      // The unique key's prefix: the index serves the versions in order.
      case QueryPlan.One one -> w.and("aggregate_name = ? AND aggregate_id = ?", one.name(), one.id());
      case QueryPlan.Several several -> w.and(exactIn(several.aggregates(), p));
      case QueryPlan.Any any -> {
        if (!q.aggregates().isEmpty()) {
          w.and(anyOf(q.aggregates(), p));
        }
      }
    }
    return w.sql();
  }

  /** The rows of two or more given aggregates. */
  private static String exactIn(List<AggregateSelector.Exact> exact, List<Object> p) {
    int n = exact.size();
    Object[] names = new Object[n];
    Object[] ids = new Object[n];
    for (int i = 0; i < n; i++) {
      names[i] = exact.get(i).name();
      ids[i] = exact.get(i).id();
    }
    p.add(new Pg.TypedArray("text", names));
    p.add(new Pg.TypedArray("uuid", ids));
    return "(aggregate_name, aggregate_id) IN (SELECT * FROM unnest(?::text[], ?::uuid[]))";
  }

  /** The rows of any of {@code selectors}, some of which select every aggregate of a name. */
  private static String anyOf(List<AggregateSelector> selectors, List<Object> p) {
    List<AggregateSelector.Exact> exact = new ArrayList<>();
    List<String> anyNames = new ArrayList<>();
    for (AggregateSelector s : selectors) {
      switch (s) {
        case AggregateSelector.Exact x -> exact.add(x);
        case AggregateSelector.AnyId a -> anyNames.add(a.name());
      }
    }
    List<String> or = new ArrayList<>();
    if (exact.size() == 1) {
      or.add("(aggregate_name = ? AND aggregate_id = ?)");
      p.add(exact.get(0).name());
      p.add(exact.get(0).id());
    } else if (!exact.isEmpty()) {
      or.add(exactIn(exact, p));
    }
    if (!anyNames.isEmpty()) {
      or.add("aggregate_name = ANY(?::text[])");
      p.add(new Pg.TypedArray("text", anyNames.toArray()));
    }
    return "(" + String.join(" OR ", or) + ")";
  }

  /** Whether the plan reads the events of exactly one name, of any aggregate, by position alone. */
  private static boolean byOneNameInPositionOrder(QueryPlan plan) {
    return plan.scope() instanceof QueryPlan.Any
        && plan.query().names().size() == 1
        && plan.order().size() == 1
        && plan.order().get(0).field() == SortField.POSITION;
  }

  /**
   * Whether the timeline index (ADR 0026) serves the plan: the first events by position of any
   * aggregate (a page: the plan has a limit) whose time is bounded by a minimum, a maximum or one
   * range. Exact times have the time index; several time ranges are an {@code OR}, which an
   * ordered index scan cannot take as its condition; a query of one name keeps the (name,
   * position) index's order.
   */
  static boolean servedByTimeIndex(QueryPlan plan) {
    EventQuery q = plan.query();
    return plan.scope() instanceof QueryPlan.Any
        && plan.limit().isPresent()
        && plan.order().size() == 1
        && plan.order().get(0).field() == SortField.POSITION
        && !plan.order().get(0).descending()
        && !byOneNameInPositionOrder(plan)
        && q.timeRanges().size() <= 1
        && (q.timeRanges().size() == 1 || q.timeMin().isPresent() || q.timeMax().isPresent()
            || q.timeBefore().isPresent() || q.timeAfter().isPresent());
  }

  /**
   * Position order spelled as the distance from position 0, which the timeline index's ordered
   * scan yields: every position is positive (identity from 1, or transaction id times 2^20,
   * ADR 0005) and distinct, so this is exactly the order of {@code position ASC}.
   */
  private static String byDistance(QueryPlan plan, String distance, List<Object> p) {
    p.add(plan.limit().getAsInt());
    return " ORDER BY position " + distance + " 0::bigint LIMIT ?";
  }

  private static String orderAndLimit(QueryPlan plan, List<Object> p) {
    // With an aggregate filter every row has aggregate columns, so the NULLS placement is moot and
    // is left out: then the sort can follow the (aggregate_name, aggregate_id, aggregate_version)
    // index instead of sorting on the server.
    boolean noNulls = plan.everyEventHasAggregate();
    StringBuilder sql = new StringBuilder(" ORDER BY ");
    boolean first = true;
    if (byOneNameInPositionOrder(plan)) {
      // Every row has the one name, so sorting by it first changes nothing; but it spells the
      // (name, position) index's order, so PostgreSQL reads that index from the first match on.
      // Sorted by position alone, a LIMIT read walks the primary key filtering by name, planned as
      // if the name were spread evenly: a first page behind a million events of other names took
      // 0.3 s on 10 million events instead of 6 ms (fabula-bench OpsBench, issue 23).
      sql.append("name").append(plan.order().get(0).descending() ? " DESC" : " ASC");
      first = false;
    }
    for (SortOrder o : plan.order()) { // ends in a key that breaks every tie
      String dir = o.descending() ? " DESC" : " ASC";
      // No aggregate sorts first ascending, last descending (as the in-memory store does).
      String nulls = noNulls ? "" : o.descending() ? " NULLS LAST" : " NULLS FIRST";
      sql.append(first ? "" : ", ").append(
          switch (o.field()) {
            case POSITION -> "position" + dir;
            case TIME -> "time_ns" + dir;
            case NAME -> "name COLLATE \"C\"" + dir;
            case AGGREGATE_NAME -> "aggregate_name COLLATE \"C\"" + dir + nulls;
            case AGGREGATE_ID -> "aggregate_id" + dir + nulls;
            case AGGREGATE_VERSION -> "aggregate_version" + dir + nulls;
          });
      first = false;
    }
    if (plan.limit().isPresent()) {
      sql.append(" LIMIT ?");
      p.add(plan.limit().getAsInt());
    }
    return sql.toString();
  }
}
