package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.Metadata;
import dev.fabula.spi.EventUpcasting;
import dev.fabula.spi.Json;
import dev.fabula.spi.QueryPlan;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Reads events back from the events table: one by id, a query's rows as a stream (SQL from the
 * {@link QueryTranslator}), the last position, each row decoded into an {@link Event}.
 */
final class EventReader {
  private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

  private final DataSource ds;
  private final Codec codec;
  private final String table;
  private final String server;
  private final QueryTranslator translator;
  private final TimeIndex timeIndex;

  EventReader(DataSource ds, Codec codec, String table, String server, int fetchSize, TimeIndex timeIndex) {
    this.ds = ds;
    this.codec = codec;
    this.table = table;
    this.server = server;
    this.translator = new QueryTranslator(table, fetchSize);
    this.timeIndex = timeIndex;
  }

  /**
   * The SQL of {@code plan}: a plan the timeline index serves asks for that index (made in the
   * background on first use) and orders by it once it is valid (ADR 0026).
   */
  private QueryTranslator.Select translate(QueryPlan plan) {
    if (!QueryTranslator.servedByTimeIndex(plan)) {
      return translator.translate(plan);
    }
    timeIndex.wanted();
    return translator.translate(plan, timeIndex.distance());
  }

  /** The event with {@code id}, whether or not the gap-safe horizon has passed it. */
  Optional<Event<?>> find(UUID id) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT " + QueryTranslator.COLUMNS + " FROM " + table + " WHERE id = ?")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Row row = reader(null).extract(rs);
        return EventUpcasting.upcasts(codec, row.name())
            ? EventUpcasting.withStoredId(decodeAll(codec, row))
            : Optional.of(decode(codec, row));
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "finding event " + id + " in " + table, server);
    }
  }

  /**
   * The events {@code query} selects, in its order, as a lazy stream that holds a connection;
   * with event upcasters, the rows of the stored names read through them ({@link EventUpcasting}).
   */
  Stream<Event<?>> query(EventQuery query) {
    if (!codec.registry().upcastsEvents()) {
      return query(QueryPlan.of(query));
    }
    QueryTranslator.Select select = translate(EventUpcasting.storedPlan(codec.registry(), query));
    Pg.RowReader<Row, Event<?>> rows = reader(select.one());
    Pg.RowReader<Row, List<Event<?>>> upcasting = new Pg.RowReader<>() {
      @Override
      public Row extract(ResultSet rs) throws SQLException {
        return rows.extract(rs);
      }

      @Override
      public List<Event<?>> decode(Row r) {
        return decodeAll(codec, r);
      }
    };
    Stream<List<Event<?>>> stored = Pg.stream(
        ds, select.sql(), select.params(), select.fetchSize(), upcasting, "events from " + table, server);
    return EventUpcasting.finish(codec.registry(), query, stored.flatMap(List::stream));
  }

  /** The events {@code plan} selects, in its order, as a lazy stream that holds a connection. */
  private Stream<Event<?>> query(QueryPlan plan) {
    QueryTranslator.Select select = translate(plan);
    return Pg.stream(
        ds, select.sql(), select.params(), select.fetchSize(), reader(select.one()), "events from " + table,
        server);
  }

  /** The position of the last event a store-following read sees, or 0. */
  long lastPosition() {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT position FROM " + table + " WHERE " + Positions.SAFE + " ORDER BY position DESC LIMIT 1")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the last position of " + table, server);
    }
  }

  /** The columns of a stored event ({@link QueryTranslator#COLUMNS}), before decoding. */
  record Row(
      long position, UUID id, String name, long timeNanos, @Nullable String aggregateName,
      @Nullable UUID aggregateId, int version, int revision, byte[] data, byte[] metadata) {}

  /**
   * A reader of events for one result: the columns, then (maybe on another thread than the JDBC
   * calls) the event. Text and JSON columns are taken as their UTF-8 bytes; event and aggregate
   * names, which repeat from row to row, become one shared string each ({@link Names}), so a
   * long result neither decodes nor hashes the same name again for every row.
   *
   * @param only the aggregate of every row when the query read one aggregate without its name and
   *     id columns, else null
   */
  private Pg.RowReader<Row, Event<?>> reader(QueryPlan.@Nullable One only) {
    Names names = new Names();
    return new Pg.RowReader<>() {
      @Override
      public Row extract(ResultSet rs) throws SQLException {
        String aggName;
        UUID aggId;
        if (only != null) { // one aggregate's columns: every row is this aggregate's
          aggName = only.name();
          aggId = only.id();
        } else {
          byte[] nameBytes = rs.getBytes(5);
          aggName = nameBytes == null ? null : names.of(nameBytes);
          aggId = nameBytes == null ? null : rs.getObject(6, UUID.class);
        }
        return new Row(
            rs.getLong(1), rs.getObject(2, UUID.class), names.of(rs.getBytes(3)), rs.getLong(4),
            aggName, aggId, rs.getInt(7), rs.getInt(8), rs.getBytes(9), rs.getBytes(10));
      }

      /**
       * Every row that does not make an {@code Event} (a payload that does not decode, a JSON
       * {@code null}, a version below 1, a blank name, a negative position, broken metadata) fails
       * as an {@link EventDecodingException} naming the row's id and position.
       */
      @Override
      public Event<?> decode(Row r) {
        return EventReader.decode(codec, r);
      }
    };
  }

  /**
   * The event a row holds. Every row that does not make an {@code Event} (a payload that does not
   * decode, a JSON {@code null}, a version below 1, a blank name, a negative position, broken
   * metadata) fails as an {@link EventDecodingException} naming the row's id and position.
   */
  static Event<?> decode(Codec codec, Row r) {
    try {
      Object data = codec.decode(r.name(), r.revision(), r.data());
      if (data == null) {
        throw new IllegalArgumentException("the stored payload is JSON null");
      }
      return event(r, data);
    } catch (RuntimeException e) {
      throw new EventDecodingException(r.id(), r.name(), r.position(), e);
    }
  }

  /**
   * The events a row reads as: {@link #decode}d, or through the codec's event upcasters when its
   * name has some (none, one or several events).
   *
   * @throws EventDecodingException naming the row's event when it does not read
   */
  static List<Event<?>> decodeAll(Codec codec, Row r) {
    if (!EventUpcasting.upcasts(codec, r.name())) {
      return List.of(decode(codec, r));
    }
    Event<?> stored;
    try {
      stored = event(r, r.data()); // the payload is read by the upcasting, not here
    } catch (RuntimeException e) {
      throw new EventDecodingException(r.id(), r.name(), r.position(), e);
    }
    return EventUpcasting.decode(codec, stored, r.revision(), r.data());
  }

  private static Event<?> event(Row r, Object data) {
    Metadata metadata =
        Arrays.equals(r.metadata(), EMPTY_OBJECT)
            ? Metadata.empty()
            : new Metadata(Json.readStringMap(r.metadata()));
    AggregateRef ref =
        r.aggregateName() == null ? null : new AggregateRef(r.aggregateName(), r.aggregateId(), r.version());
    return Event.of(r.id(), r.name(), Pg.fromNanos(r.timeNanos()), data, ref, metadata, r.position());
  }

  /**
   * The strings of the last few distinct names one reader met, by their UTF-8 bytes: a result
   * repeats a handful of event and aggregate names, so most rows find theirs here and share one
   * {@code String} (whose hash is then computed once) instead of decoding a new one. Confined to
   * the thread that extracts rows.
   */
  private static final class Names {
    private static final int SIZE = 8;
    private final byte[][] keys = new byte[SIZE][];
    private final String[] values = new String[SIZE];
    private int next;

    String of(byte[] utf8) {
      for (int i = 0; i < SIZE && keys[i] != null; i++) {
        if (Arrays.equals(keys[i], utf8)) {
          return values[i];
        }
      }
      String s = new String(utf8, StandardCharsets.UTF_8);
      keys[next] = utf8;
      values[next] = s;
      next = (next + 1) % SIZE;
      return s;
    }
  }
}
