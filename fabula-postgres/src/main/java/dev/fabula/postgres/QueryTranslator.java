package dev.fabula.postgres;

import dev.fabula.event.AggregateSelector;
import dev.fabula.event.EventQuery;
import dev.fabula.event.Range;
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

  /** The SQL of {@code plan}, with its parameters in order. */
  Select translate(QueryPlan plan) {
    List<Object> params = new ArrayList<>();
    QueryPlan.@Nullable One one = plan.scope() instanceof QueryPlan.One o ? o : null;
    String sql = "SELECT " + (one != null ? ONE_AGGREGATE_COLUMNS : COLUMNS) + " FROM " + table
        + where(plan, params) + orderAndLimit(plan, params);
    // The events of given aggregates (what a repository loads) are bounded by those aggregates'
    // length: one plain round trip. Anything else streams through a cursor.
    int fetch = plan.scope() instanceof QueryPlan.Any ? fetchSize : 0;
    return new Select(sql, params, one, fetch);
  }

  private static String where(QueryPlan plan, List<Object> p) {
    EventQuery q = plan.query();
    List<String> and = new ArrayList<>();
    if (plan.followsStore()) {
      and.add(Positions.SAFE);
    }
    if (q.afterPosition() > 0) {
      and.add("position > ?");
      p.add(q.afterPosition());
    }
    if (!q.names().isEmpty()) {
      and.add("name = ANY(?::text[])");
      p.add(new Pg.TypedArray("text", q.names().toArray()));
    }
    if (!q.ids().isEmpty()) {
      and.add("id = ANY(?::uuid[])");
      p.add(new Pg.TypedArray("uuid", q.ids().toArray()));
    }
    if (!q.timeExact().isEmpty()) {
      and.add("time_ns = ANY(?::bigint[])");
      p.add(new Pg.TypedArray("int8", q.timeExact().stream().map(Pg::toNanos).toArray()));
    }
    if (!q.timeRanges().isEmpty()) {
      List<String> or = new ArrayList<>();
      for (Range<Instant> r : q.timeRanges()) {
        or.add("time_ns BETWEEN ? AND ?");
        p.add(Pg.clampNanos(r.from()));
        p.add(Pg.clampNanos(r.to()));
      }
      and.add("(" + String.join(" OR ", or) + ")");
    }
    q.timeMin().ifPresent(t -> {
      and.add("time_ns >= ?");
      p.add(Pg.clampNanos(t));
    });
    q.timeMax().ifPresent(t -> {
      and.add("time_ns <= ?");
      p.add(Pg.clampNanos(t));
    });
    q.timeBefore().ifPresent(t -> {
      and.add("time_ns < ?");
      p.add(Pg.clampNanos(t));
    });
    q.timeAfter().ifPresent(t -> {
      and.add("time_ns > ?");
      p.add(Pg.clampNanos(t));
    });
    if (!q.aggregateNames().isEmpty()) {
      and.add("aggregate_name = ANY(?::text[])");
      p.add(new Pg.TypedArray("text", q.aggregateNames().toArray()));
    }
    if (!q.aggregateIds().isEmpty()) {
      and.add("aggregate_id = ANY(?::uuid[])");
      p.add(new Pg.TypedArray("uuid", q.aggregateIds().toArray()));
    }
    if (!q.versionExact().isEmpty()) {
      and.add("aggregate_version = ANY(?::int[])");
      p.add(new Pg.TypedArray("int4", q.versionExact().toArray()));
    }
    if (!q.versionRanges().isEmpty()) {
      List<String> or = new ArrayList<>();
      for (Range<Integer> r : q.versionRanges()) {
        or.add("aggregate_version BETWEEN ? AND ?");
        p.add(r.from());
        p.add(r.to());
      }
      and.add("(" + String.join(" OR ", or) + ")");
    }
    q.versionMin().ifPresent(v -> {
      and.add("aggregate_version >= ?");
      p.add(v);
    });
    q.versionMax().ifPresent(v -> {
      and.add("aggregate_version <= ?");
      p.add(v);
    });
    switch (plan.scope()) {
      case QueryPlan.One one -> {
        // The unique key's prefix: the index serves the versions in order.
        and.add("aggregate_name = ? AND aggregate_id = ?");
        p.add(one.name());
        p.add(one.id());
      }
      case QueryPlan.Several several -> {
        and.add(exactIn(several.aggregates(), p));
      }
      case QueryPlan.Any any -> {
        if (!q.aggregates().isEmpty()) {
          and.add(anyOf(q.aggregates(), p));
        }
      }
    }
    return and.isEmpty() ? "" : " WHERE " + String.join(" AND ", and);
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

  private static String orderAndLimit(QueryPlan plan, List<Object> p) {
    // With an aggregate filter every row has aggregate columns, so the NULLS placement is moot and
    // is left out: then the sort can follow the (aggregate_name, aggregate_id, aggregate_version)
    // index instead of sorting on the server.
    boolean noNulls = plan.everyEventHasAggregate();
    StringBuilder sql = new StringBuilder(" ORDER BY ");
    boolean first = true;
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
