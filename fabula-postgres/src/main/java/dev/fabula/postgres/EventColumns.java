package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.Json;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Holds a batch's events encoded as the columns an INSERT takes (one array per column), and binds
 * them as plain parameters or as arrays.
 */
record EventColumns(
    UUID[] ids,
    String[] names,
    Long[] times,
    @Nullable String[] aggNames,
    @Nullable UUID[] aggIds,
    @Nullable Integer[] versions,
    Integer[] revisions,
    String[] data,
    String[] metadata) {

  /** Encodes the events' columns (payloads through the codec, metadata as JSON). */
  static EventColumns of(List<? extends Event<?>> events, Codec codec) {
    int n = events.size();
    EventColumns k = ofSize(n);
    for (int i = 0; i < n; i++) {
      Event<?> e = events.get(i);
      k.ids[i] = e.id();
      k.names[i] = e.name();
      k.times[i] = nanos(e);
      AggregateRef ref = e.aggregateOrNull();
      if (ref != null) {
        k.aggNames[i] = ref.name();
        k.aggIds[i] = ref.id();
        k.versions[i] = ref.version();
      }
      k.revisions[i] = codec.revision(e.name(), e.data());
      byte[] data = codec.encode(e.name(), e.data());
      EventLimits.checkJsonPayload(e, data);
      k.data[i] = new String(data, StandardCharsets.UTF_8);
      k.metadata[i] = Json.stringMap(e.metadata().values());
    }
    return k;
  }

  /** The columns of several batches, one after the other. */
  static EventColumns concat(List<EventColumns> parts) {
    int n = 0;
    for (EventColumns p : parts) {
      n += p.ids.length;
    }
    EventColumns k = ofSize(n);
    int at = 0;
    for (EventColumns p : parts) {
      int m = p.ids.length;
      System.arraycopy(p.ids, 0, k.ids, at, m);
      System.arraycopy(p.names, 0, k.names, at, m);
      System.arraycopy(p.times, 0, k.times, at, m);
      System.arraycopy(p.aggNames, 0, k.aggNames, at, m);
      System.arraycopy(p.aggIds, 0, k.aggIds, at, m);
      System.arraycopy(p.versions, 0, k.versions, at, m);
      System.arraycopy(p.revisions, 0, k.revisions, at, m);
      System.arraycopy(p.data, 0, k.data, at, m);
      System.arraycopy(p.metadata, 0, k.metadata, at, m);
      at += m;
    }
    return k;
  }

  /** Empty columns for {@code n} events. */
  private static EventColumns ofSize(int n) {
    return new EventColumns(
        new UUID[n], new String[n], new Long[n], new String[n], new UUID[n], new Integer[n],
        new Integer[n], new String[n], new String[n]);
  }

  private static long nanos(Event<?> e) {
    try {
      return Pg.toNanos(e.time());
    } catch (ArithmeticException overflow) {
      throw new InvalidBatchException(
          "event " + e.id() + " has time " + e.time()
              + ", outside what PostgreSQL stores to the nanosecond (1677-09-21 to 2262-04-11)");
    }
  }

  /**
   * Binds each column as one array from parameter {@code first} on, for the unnest of the
   * largest batches; returns the next parameter index.
   */
  int bindArrays(Connection c, PreparedStatement ps, int first) throws SQLException {
    int p = first;
    ps.setArray(p++, c.createArrayOf("uuid", ids));
    ps.setArray(p++, c.createArrayOf("text", names));
    ps.setArray(p++, c.createArrayOf("int8", times));
    ps.setArray(p++, c.createArrayOf("text", aggNames));
    ps.setArray(p++, c.createArrayOf("uuid", aggIds));
    ps.setArray(p++, c.createArrayOf("int4", versions));
    ps.setArray(p++, c.createArrayOf("int4", revisions));
    ps.setArray(p++, c.createArrayOf("text", data));
    ps.setArray(p++, c.createArrayOf("text", metadata));
    return p;
  }

  /**
   * Binds event {@code i}'s columns as plain values (one VALUES row) from parameter {@code
   * first} on; returns the next parameter index.
   */
  int bindRow(PreparedStatement ps, int first, int i) throws SQLException {
    int p = first;
    ps.setObject(p++, ids[i]);
    ps.setString(p++, names[i]);
    ps.setLong(p++, times[i]);
    ps.setString(p++, aggNames[i]);
    if (aggIds[i] == null) {
      ps.setNull(p++, Types.OTHER);
      ps.setNull(p++, Types.INTEGER);
    } else {
      ps.setObject(p++, aggIds[i]);
      ps.setInt(p++, versions[i]);
    }
    ps.setInt(p++, revisions[i]);
    ps.setString(p++, data[i]);
    ps.setString(p++, metadata[i]);
    return p;
  }
}
