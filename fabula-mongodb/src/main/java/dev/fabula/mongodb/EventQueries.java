package dev.fabula.mongodb;

import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.SortOrder;
import dev.fabula.spi.QueryPlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.PriorityQueue;
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
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.conversions.Bson;
import org.jspecify.annotations.Nullable;

/**
 * Translates a {@link QueryPlan} into a filter on batch documents (values only, through the
 * driver's builders: user text never becomes a field name or an operator), streams the documents
 * in {@code _id} order a page at a time ({@link Pages}), unwinds their events client-side and keeps those {@link
 * QueryPlan#matches} accepts. The document filter only narrows (a document matches when any of
 * its events might); the plan decides per event.
 *
 * <p>Position order (every store-following read, and one aggregate's events by version) streams
 * with flat memory, and so does its reverse (descending positions, or one aggregate's events by
 * descending version: documents by descending {@code _id}, their events backwards). Other orders are sorted in memory by {@link QueryPlan#comparator()}: they hold
 * the matching events of the result, or the first {@code limit} of them when the query has a
 * limit (ADR 0019).
 */
final class EventQueries {
  private EventQueries() {}

  /**
   * The events of {@code plan}, lazily.
   *
   * @param horizon the highest sequence number a store-following read may see, or -1 for reads of
   *     given events and aggregates (unbounded)
   * @param session the causally consistent session the horizon was walked in, whose page reads
   *     then see every document the walk saw (a replica set); null without sessions
   */
  static Stream<Event<?>> stream(
      QueryPlan plan, MongoCollection<BsonDocument> collection, long horizon, @Nullable ClientSession session,
      EventDocuments documents, int batchSize, String name, String servers) {
    Bson filter = filter(plan, horizon);
    boolean reversed = !plan.inPositionOrder() && inReversePositionOrder(plan);
    boolean positionOrder = plan.inPositionOrder() || reversed;
    int limit = plan.limit().orElse(Integer.MAX_VALUE);
    if (limit == 0) {
      return Stream.empty();
    }
    // A read in position order that wants few events starts with a page that small.
    int firstPage = positionOrder ? Math.min(limit, Pages.FIRST_PAGE) : Pages.FIRST_PAGE;
    Pages pages =
        new Pages(collection.withDocumentClass(RawBsonDocument.class), session, filter, reversed, firstPage, batchSize);
    Unwinding events =
        new Unwinding(pages, plan, documents, positionOrder ? limit : Integer.MAX_VALUE, reversed, name, servers);
    Stream<Event<?>> stream = StreamSupport.stream(events, false);
    if (positionOrder) {
      return stream;
    }
    // Another order: the matching events are sorted here (see the class comment); with a limit,
    // only the first `limit` of them are kept while reading.
    Comparator<Event<?>> order = plan.comparator();
    List<Event<?>> result;
    try (stream) {
      if (limit == Integer.MAX_VALUE) {
        result = new ArrayList<>(stream.toList());
      } else {
        PriorityQueue<Event<?>> first = new PriorityQueue<>(order.reversed());
        stream.forEach(e -> {
          if (first.size() < limit) {
            first.add(e);
          } else if (order.compare(e, first.peek()) < 0) {
            first.poll();
            first.add(e);
          }
        });
        result = new ArrayList<>(first);
      }
    }
    result.sort(order);
    return result.stream();
  }

  /**
   * Whether {@code plan}'s order is descending position order: its first key that orders anything
   * is a descending position, or, within one aggregate, a descending version. A store stores an
   * aggregate's versions at rising sequence numbers (ADR 0019: a batch takes a number above its
   * predecessor's), so within one aggregate version order is position order.
   */
  static boolean inReversePositionOrder(QueryPlan plan) {
    boolean one = plan.scope() instanceof QueryPlan.One;
    for (SortOrder o : plan.order()) {
      switch (o.field()) {
        case POSITION -> {
          return o.descending();
        }
        case AGGREGATE_VERSION -> {
          return one && o.descending();
        }
        case AGGREGATE_NAME, AGGREGATE_ID -> {
          if (!one) {
            return false;
          }
          // constant within one aggregate: orders nothing
        }
        default -> {
          return false;
        }
      }
    }
    return false;
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
    return EventLayout.keyRange(
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
    return new BsonInt64(EventLayout.nanosOrEnd(t));
  }

  /**
   * The documents of a read, fetched a page at a time in {@code _id} order: each page is one
   * {@code find} after the last {@code _id} read, with as many documents as fit about {@link
   * #PAGE_BYTES} by the size of the previous page's documents (at most the options' batch size,
   * at least one). A page is kept as raw BSON and each document decoded only when it is read, so
   * a read holds at most one page and one decoded document whatever the batches' sizes: MongoDB
   * caps a reply at 16 MiB, but the in-process server does not, and the driver refuses replies
   * over 48 MB.
   */
  static final class Pages {
    static final long PAGE_BYTES = 4L << 20;
    /** The first page of a read: most reads (one aggregate) fit in it. */
    static final int FIRST_PAGE = 16;
    private final MongoCollection<RawBsonDocument> collection;
    private final @Nullable ClientSession session;
    private final Bson filter;
    private final boolean reversed;
    private final int maxPage;
    private int pageSize;
    private final java.util.ArrayDeque<RawBsonDocument> page = new java.util.ArrayDeque<>();
    private boolean exhausted;
    private @org.jspecify.annotations.Nullable BsonValue last;

    Pages(MongoCollection<RawBsonDocument> collection, @Nullable ClientSession session, Bson filter, boolean reversed,
        int firstPage, int maxPage) {
      this.collection = collection;
      this.session = session;
      this.filter = filter;
      this.reversed = reversed;
      this.maxPage = maxPage;
      this.pageSize = Math.max(1, Math.min(firstPage, maxPage));
    }

    /** The next document, decoded, or null at the end. */
    @org.jspecify.annotations.Nullable BsonDocument next() {
      if (page.isEmpty() && !exhausted) {
        fetch();
      }
      RawBsonDocument raw = page.poll();
      return raw == null ? null : raw.decode(new BsonDocumentCodec());
    }

    private void fetch() {
      BsonValue after = last;
      Bson f = after == null ? filter
          : Filters.and(filter, reversed ? Filters.lt(EventLayout.SEQ, after) : Filters.gt(EventLayout.SEQ, after));
      long bytes = 0;
      try (MongoCursor<RawBsonDocument> c = (session == null ? collection.find(f) : collection.find(session, f))
          .projection(Projections.exclude(EventLayout.KEYS))
          .sort(reversed ? Sorts.descending(EventLayout.SEQ) : Sorts.ascending(EventLayout.SEQ))
          .limit(pageSize)
          .batchSize(pageSize)
          .iterator()) {
        while (c.hasNext()) {
          RawBsonDocument d = c.next();
          bytes += d.getByteBuffer().remaining();
          page.add(d);
        }
      }
      if (page.size() < pageSize) {
        exhausted = true;
      }
      if (!page.isEmpty()) {
        last = page.peekLast().get(EventLayout.SEQ);
        long perDocument = Math.max(1, bytes / page.size());
        pageSize = (int) Math.max(1, Math.min(maxPage, PAGE_BYTES / perDocument));
      }
    }
  }

  /** The events of the read's documents, in document then batch order, that the plan accepts. */
  private static final class Unwinding extends Spliterators.AbstractSpliterator<Event<?>> {
    private final Pages pages;
    private final QueryPlan plan;
    private final EventDocuments documents;
    private final String name;
    private final String servers;
    private final boolean reversed;
    private int left;
    private BsonDocument doc;
    private BsonArray events;
    private BsonArray ids;
    private long seq;
    private int next;
    /** The events of the last stored event not yet handed on (upcasters may split one). */
    private java.util.@Nullable Iterator<Event<?>> pending;

    Unwinding(Pages pages, QueryPlan plan, EventDocuments documents, int limit, boolean reversed,
        String name, String servers) {
      super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
      this.pages = pages;
      this.plan = plan;
      this.documents = documents;
      this.left = limit;
      this.reversed = reversed;
      this.name = name;
      this.servers = servers;
    }

    @Override
    public boolean tryAdvance(Consumer<? super Event<?>> action) {
      while (true) {
        if (pending != null && pending.hasNext()) {
          action.accept(pending.next());
          return true;
        }
        if (left <= 0) {
          return false;
        }
        if (events == null || next >= events.size()) {
          try {
            doc = pages.next();
          } catch (RuntimeException e) {
            throw MongoErrors.translate(e, "reading events from " + name, servers);
          }
          if (doc == null) {
            return false;
          }
          seq = documents.seq(doc);
          events = documents.events(doc);
          ids = documents.ids(doc, events);
          next = 0;
          continue;
        }
        int i = reversed ? events.size() - 1 - next++ : next++;
        BsonDocument e = documents.event(doc, events, i);
        Event<?> header = documents.header(seq, doc, ids, e, i);
        if (!plan.matches(header)) {
          continue;
        }
        left--;
        List<Event<?>> read = documents.decodeAll(header, doc, e, i); // several, or none, when upcast
        if (read.size() == 1) {
          action.accept(read.get(0));
          return true;
        }
        pending = read.iterator();
      }
    }
  }
}
