package dev.fabula.spi;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.InvalidEventException;
import dev.fabula.event.InvalidQueryException;
import dev.fabula.snapshot.SnapshotQuery;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The limits every Fabula event store enforces on what it stores, checked before anything is
 * sent: a backend calls these checks so that every backend accepts and refuses the same events
 * (the conformance kit checks it). For backends only; applications rely on the limits as {@link
 * dev.fabula.event.EventStore} documents them, not on this class.
 *
 * <ul>
 *   <li>No text field holds a NUL character (U+0000): event name, aggregate name, metadata keys and
 *       values, and query filters by name. PostgreSQL's text and JSON types cannot hold one.
 *   <li>No event name, aggregate name, metadata key or value holds an unpaired UTF-16 surrogate:
 *       such text has no UTF-8 form, so a driver would store a replacement character in its place
 *       (or {@code jsonb} refuse its escape) and the store would read back something else.
 *   <li>Event and aggregate names hold at most {@link #MAX_NAME_LENGTH} characters, so that the
 *       unique (aggregate name, id, version) key fits any index.
 *   <li>Metadata keys and values together hold at most {@link #MAX_METADATA_BYTES} bytes of UTF-8.
 *   <li>A store that encodes payloads refuses an encoded payload of more than {@link
 *       #MAX_PAYLOAD_BYTES} bytes, and its codec reads back anything up to that size. (The
 *       in-memory store keeps payloads as objects and has nothing to measure.)
 *   <li>Snapshots keep the same limits: aggregate names of at most {@link #MAX_NAME_LENGTH}
 *       characters without NUL, states encoded to at most {@link #MAX_PAYLOAD_BYTES} bytes without
 *       NUL, no NUL in query filters.
 * </ul>
 */
public final class EventLimits {
  /** The most characters ({@link String#length()}) an event or aggregate name may have. */
  public static final int MAX_NAME_LENGTH = 255;

  /** The most bytes (UTF-8) an event's metadata keys and values may hold together: 1 MiB. */
  public static final int MAX_METADATA_BYTES = 1 << 20;

  /** The most bytes an encoded payload may have: 16 MiB. */
  public static final int MAX_PAYLOAD_BYTES = 1 << 24;

  private EventLimits() {}

  /**
   * Checks the names and metadata of every event of a batch.
   *
   * @throws InvalidEventException naming the first event and field beyond a limit
   */
  public static void checkEvents(List<? extends Event<?>> events) {
    for (Event<?> e : events) {
      checkEvent(e);
    }
  }

  /**
   * Checks an event's name, aggregate name and metadata.
   *
   * @throws InvalidEventException naming the event and the field beyond a limit
   */
  public static void checkEvent(Event<?> e) {
    checkName(e, "name", e.name());
    AggregateRef ref = e.aggregateOrNull();
    if (ref != null) {
      checkName(e, "aggregate name", ref.name());
    }
    Map<String, String> metadata = e.metadata().values();
    if (metadata.isEmpty()) {
      return;
    }
    long bytes = 0;
    for (Map.Entry<String, String> entry : metadata.entrySet()) {
      if (hasNul(entry.getKey())) {
        throw new InvalidEventException(e.id(), "metadata", "has a key with a NUL character (U+0000)");
      }
      if (hasNul(entry.getValue())) {
        throw new InvalidEventException(
            e.id(), "metadata", "value of key '" + entry.getKey() + "' holds a NUL character (U+0000)");
      }
      if (hasUnpairedSurrogate(entry.getKey())) {
        throw new InvalidEventException(e.id(), "metadata", "has a key with " + UNPAIRED);
      }
      if (hasUnpairedSurrogate(entry.getValue())) {
        throw new InvalidEventException(
            e.id(), "metadata", "value of key '" + entry.getKey() + "' holds " + UNPAIRED);
      }
      bytes += utf8Length(entry.getKey()) + utf8Length(entry.getValue());
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new InvalidEventException(
          e.id(), "metadata", "holds " + bytes + " bytes of UTF-8 in its keys and values, more than the limit of "
              + MAX_METADATA_BYTES);
    }
  }

  /**
   * Checks the size of an event's encoded payload.
   *
   * @param bytes the encoded payload's length in bytes
   * @throws InvalidEventException when it is larger than {@link #MAX_PAYLOAD_BYTES}
   */
  public static void checkPayloadSize(Event<?> e, long bytes) {
    if (bytes > MAX_PAYLOAD_BYTES) {
      throw new InvalidEventException(
          e.id(), "payload", "encodes to " + bytes + " bytes, more than the limit of " + MAX_PAYLOAD_BYTES);
    }
  }

  /**
   * Checks an event's payload as its codec encoded it to JSON: at most {@link #MAX_PAYLOAD_BYTES}
   * bytes, and no NUL character (U+0000), which PostgreSQL's {@code jsonb} cannot store. A JSON
   * writer puts a NUL in a string as the escape <code>&#92;u0000</code>; that, and a raw zero byte (which
   * no JSON writer produces), are refused.
   *
   * @param json the encoded payload, UTF-8 JSON
   * @throws InvalidEventException naming the event and its payload
   */
  public static void checkJsonPayload(Event<?> e, byte[] json) {
    checkPayloadSize(e, json.length);
    if (holdsNul(json)) {
      throw new InvalidEventException(
          e.id(), "payload", "holds a NUL character (U+0000), which PostgreSQL's jsonb cannot store");
    }
  }

  /**
   * Whether UTF-8 JSON holds a NUL character: the escape <code>&#92;u0000</code> (a backslash that is not
   * itself escaped, then {@code u0000}), or a raw zero byte.
   */
  public static boolean holdsNul(byte[] json) {
    for (int i = 0; i < json.length; i++) {
      byte b = json[i];
      if (b == 0) {
        return true;
      }
      if (b == '\\') {
        if (i + 5 < json.length && json[i + 1] == 'u' && json[i + 2] == '0' && json[i + 3] == '0'
            && json[i + 4] == '0' && json[i + 5] == '0') {
          return true;
        }
        i++; // the escaped character is no escape of its own
      }
    }
    return false;
  }

  /**
   * Checks the aggregate name of a snapshot to save: at most {@link #MAX_NAME_LENGTH} characters,
   * no NUL character.
   *
   * @throws IllegalArgumentException naming the aggregate name and the limit
   */
  public static void checkSnapshotName(String aggregateName) {
    if (aggregateName.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "snapshot aggregate name " + printable(aggregateName) + " has " + aggregateName.length()
              + " characters, more than the limit of " + MAX_NAME_LENGTH);
    }
    checkText("snapshot aggregate name", aggregateName);
  }

  /**
   * Checks a snapshot's state as its codec encoded it to JSON: at most {@link #MAX_PAYLOAD_BYTES}
   * bytes and no NUL character, as an event's payload.
   *
   * @param json the encoded state, UTF-8 JSON
   * @throws IllegalArgumentException naming the snapshot
   */
  public static void checkJsonState(String aggregateName, UUID aggregateId, int version, byte[] json) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    checkStoredJson(
        "the state of the snapshot of " + aggregateName + " " + aggregateId + " at version " + version, json);
  }

  /**
   * Checks JSON a store keeps beside events (a snapshot's state, a read model): at most {@link
   * #MAX_PAYLOAD_BYTES} bytes and no NUL character, as an event's payload.
   *
   * @param which what the JSON is, for the message ("the state of the snapshot of ...")
   * @param json the encoded value, UTF-8 JSON
   * @throws IllegalArgumentException starting with {@code which} when the JSON is beyond those limits
   */
  public static void checkStoredJson(String which, byte[] json) {
    Objects.requireNonNull(which, "which");
    Objects.requireNonNull(json, "json");
    if (json.length > MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          which + " encodes to " + json.length + " bytes, more than the limit of " + MAX_PAYLOAD_BYTES);
    }
    if (holdsNul(json)) {
      throw new IllegalArgumentException(which + " holds a NUL character (U+0000), which no store keeps");
    }
  }

  /**
   * Checks a snapshot query's aggregate name filters.
   *
   * @throws InvalidQueryException naming the filter that holds a NUL character
   */
  public static void checkSnapshotQuery(SnapshotQuery q) {
    for (String name : q.aggregateNames()) {
      checkFilter("aggregate name", name);
    }
  }

  /**
   * Checks a query's name filters (event names, aggregate names, aggregate references).
   *
   * @throws InvalidQueryException naming the filter that holds a NUL character
   */
  public static void checkQuery(EventQuery q) {
    for (String name : q.names()) {
      checkFilter("event name", name);
    }
    for (String name : q.aggregateNames()) {
      checkFilter("aggregate name", name);
    }
    for (AggregateSelector s : q.aggregates()) {
      String name = switch (s) {
        case AggregateSelector.Exact x -> x.name();
        case AggregateSelector.AnyId a -> a.name();
      };
      checkFilter("aggregate", name);
    }
  }

  /**
   * Checks a name that a store keeps as text, such as a projection name: no NUL character.
   *
   * @param what what the name is, for the message ("projection name")
   * @throws IllegalArgumentException when it holds a NUL character
   */
  public static void checkText(String what, String value) {
    if (hasNul(value)) {
      throw new IllegalArgumentException(what + " must not hold a NUL character (U+0000): " + printable(value));
    }
  }

  private static void checkFilter(String what, String value) {
    if (hasNul(value)) {
      throw new InvalidQueryException(
          "the " + what + " filter " + printable(value) + " holds a NUL character (U+0000), which no store keeps");
    }
  }

  private static void checkName(Event<?> e, String field, String value) {
    if (value.length() > MAX_NAME_LENGTH) {
      throw new InvalidEventException(
          e.id(), field, "has " + value.length() + " characters, more than the limit of " + MAX_NAME_LENGTH);
    }
    if (hasNul(value)) {
      throw new InvalidEventException(e.id(), field, printable(value) + " holds a NUL character (U+0000)");
    }
    if (hasUnpairedSurrogate(value)) {
      throw new InvalidEventException(e.id(), field, "holds " + UNPAIRED);
    }
  }

  private static final String UNPAIRED = "an unpaired UTF-16 surrogate, which has no UTF-8 form";

  private static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++; // a pair
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasNul(String s) {
    return s.indexOf('\u0000') >= 0;
  }

  /** The value quoted, NULs shown as {@code \0}, cut after 80 characters. */
  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
    return "'" + cut.replace("\u0000", "\\0") + "'";
  }

  /** The length of {@code s} in UTF-8 (an unpaired surrogate counts 3 bytes, as its encoding). */
  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
