package dev.fabula.mongodb;

import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.spi.QueryPlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * Translates a {@link QueryPlan} into a filter on batch documents (values only, through the
 * driver's builders: user text never becomes a field name or an operator), streams the documents
 * with a cursor in {@code _id} order, unwinds their events client-side and keeps those {@link
 * QueryPlan#matches} accepts. The document filter only narrows (a document matches when any of
 * its events might); the plan decides per event.
 *
 * <p>Position order (every store-following read, and one aggregate's events by version) streams
 * with flat memory. Other orders are sorted in memory by {@link QueryPlan#comparator()}: they hold
 * the matching events of the result (ADR 0019).
 */
final class EventQueries {
  private EventQueries() {}

  /**
   * The events of {@code plan}, lazily.
   *
   * @param horizon the highest sequence number a store-following read may see, or -1 for reads of
   *     given events and aggregates (unbounded)
   */
  static Stream<Event<?>> stream(
      QueryPlan plan, MongoCollection<BsonDocument> collection, long horizon, EventDocuments documents,
      int batchSize, String name, String servers) {
    Bson filter = filter(plan, horizon);
    boolean positionOrder = plan.inPositionOrder();
    FindIterable<BsonDocument> find = collection.find(filter)
        .projection(Projections.exclude(EventLayout.KEYS))
        .sort(Sorts.ascending(EventLayout.SEQ))
        .batchSize(batchSize);
    int limit = plan.limit().orElse(Integer.MAX_VALUE);
    if (limit == 0) {
      return Stream.empty();
    }
    MongoCursor<BsonDocument> cursor = find.iterator();
    Unwinding events = new Unwinding(cursor, plan, documents, positionOrder ? limit : Integer.MAX_VALUE, name, servers);
    Stream<Event<?>> stream = StreamSupport.stream(events, false).onClose(cursor::close);
    if (positionOrder) {
      return stream;
    }
    // Another order: the matching events are sorted here (see the class comment).
    List<Event<?>> all;
    try (stream) {
      all = new ArrayList<>(stream.toList());
    }
    all.sort(plan.comparator());
    return (limit < all.size() ? all.subList(0, limit) : all).stream();
  }

  /** The document filter of {@code plan}. */
  static Bson filter(QueryPlan plan, long horizon) {
    EventQuery q = plan.query();
    List<Bson> and = new ArrayList<>();
    and.add(Filters.gte(EventLayout.SEQ, Math.max(1L, EventLayout.seqOf(plan.afterPosition()))));
    if (horizon >= 0) {
      and.add(Filters.lte(EventLayout.SEQ, horizon));
    }
    switch (plan.scope()) {
      case QueryPlan.One one -> and.add(aggregate(one.name(), one.id(), plan.firstVersion(), plan.lastVersion()));
      case QueryPlan.Several several -> {
        List<Bson> any = new ArrayList<>();
        for (AggregateSelector.Exact a : several.aggregates()) {
          any.add(aggregate(a.name(), a.id(), plan.firstVersion(), plan.lastVersion()));
        }
        and.add(Filters.or(any));
      }
      case QueryPlan.Any any -> {
        if (!q.aggregates().isEmpty()) {
          List<Bson> selectors = new ArrayList<>();
          for (AggregateSelector s : q.aggregates()) {
            selectors.add(switch (s) {
              case AggregateSelector.Exact x -> aggregate(x.name(), x.id(), plan.firstVersion(), plan.lastVersion());
              case AggregateSelector.AnyId a -> aggregateName(a.name());
            });
          }
          and.add(Filters.or(selectors));
        }
      }
    }
    if (!q.aggregateNames().isEmpty()) {
      List<Bson> names = new ArrayList<>();
      for (String n : q.aggregateNames()) {
        names.add(aggregateName(n));
      }
      and.add(Filters.or(names));
    }
    if (!q.aggregateIds().isEmpty()) {
      and.add(Filters.in(EventLayout.EVENT_AGG_IDS, uuids(q.aggregateIds())));
    }
    if (!q.names().isEmpty()) {
      List<BsonValue> names = new ArrayList<>();
      for (String n : q.names()) {
        names.add(new BsonString(n));
      }
      and.add(Filters.in(EventLayout.EVENT_NAMES, names));
    }
    if (!q.ids().isEmpty()) {
      and.add(Filters.in(EventLayout.IDS, uuids(q.ids())));
    }
    List<Bson> time = new ArrayList<>();
    q.timeMin().ifPresent(t -> time.add(Filters.gte(EventLayout.TIME, nanos(t))));
    q.timeMax().ifPresent(t -> time.add(Filters.lte(EventLayout.TIME, nanos(t))));
    q.timeAfter().ifPresent(t -> time.add(Filters.gt(EventLayout.TIME, nanos(t))));
    q.timeBefore().ifPresent(t -> time.add(Filters.lt(EventLayout.TIME, nanos(t))));
    if (!time.isEmpty()) {
      and.add(Filters.elemMatch(EventLayout.EVENTS, Filters.and(time)));
    }
    return Filters.and(and);
  }

  /** Documents holding a version of one aggregate between {@code first} and {@code last}. */
  private static Bson aggregate(String aggName, UUID aggId, int first, int last) {
    return MongoEventStore.keyRange(
        EventLayout.key(aggName, aggId, Math.max(1, first)), EventLayout.key(aggName, aggId, Math.max(1, last)));
  }

  /** Documents holding an event of an aggregate named {@code aggName}: the keys' common prefix. */
  private static Bson aggregateName(String aggName) {
    return new BsonDocument(
        EventLayout.KEYS,
        new BsonDocument("$elemMatch",
            new BsonDocument("$gte", new BsonString(aggName + "\0")).append("$lt", new BsonString(aggName + "\u0001"))));
  }

  private static List<BsonValue> uuids(java.util.Collection<UUID> ids) {
    List<BsonValue> values = new ArrayList<>(ids.size());
    for (UUID id : ids) {
      values.add(new BsonBinary(id));
    }
    return values;
  }

  /** A time as stored; beyond int64 nanoseconds, the nearest end (no event lies beyond it). */
  private static BsonInt64 nanos(Instant t) {
    try {
      return new BsonInt64(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano()));
    } catch (ArithmeticException beyond) {
      return new BsonInt64(t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE);
    }
  }

  /** The events of the cursor's documents, in document then batch order, that the plan accepts. */
  private static final class Unwinding extends Spliterators.AbstractSpliterator<Event<?>> {
    private final MongoCursor<BsonDocument> cursor;
    private final QueryPlan plan;
    private final EventDocuments documents;
    private final String name;
    private final String servers;
    private int left;
    private BsonDocument doc;
    private BsonArray events;
    private BsonArray ids;
    private long seq;
    private int next;

    Unwinding(MongoCursor<BsonDocument> cursor, QueryPlan plan, EventDocuments documents, int limit, String name,
        String servers) {
      super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
      this.cursor = cursor;
      this.plan = plan;
      this.documents = documents;
      this.left = limit;
      this.name = name;
      this.servers = servers;
    }

    @Override
    public boolean tryAdvance(Consumer<? super Event<?>> action) {
      while (left > 0) {
        if (events == null || next >= events.size()) {
          boolean more;
          try {
            more = cursor.hasNext();
            if (more) {
              doc = cursor.next();
            }
          } catch (RuntimeException e) {
            throw MongoErrors.translate(e, "reading events from " + name, servers);
          }
          if (!more) {
            return false;
          }
          seq = documents.seq(doc);
          events = documents.events(doc);
          ids = documents.ids(doc, events);
          next = 0;
          continue;
        }
        int i = next++;
        BsonDocument e = documents.event(doc, events, i);
        Event<?> header = documents.header(seq, doc, ids, e, i);
        if (!plan.matches(header)) {
          continue;
        }
        left--;
        action.accept(documents.decode(header, doc, e, i));
        return true;
      }
      return false;
    }
  }
}
