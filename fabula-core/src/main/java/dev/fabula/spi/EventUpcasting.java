package dev.fabula.spi;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.EventPayload;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * How every event store and bus reads events stored under names that {@link
 * dev.fabula.codec.EventUpcaster}s evolve (ADR 0021), so that no backend keeps its own copy.
 *
 * <p>Decoding: a backend decodes a stored event as before unless {@link #upcasts} says its name
 * has event upcasters; then {@link #decode} reads it as the events it stands for now. Each keeps
 * the stored time, aggregate, metadata and position; the first keeps the stored id and the others
 * get {@linkplain #partId ids derived from it}. Any failure is an {@link EventDecodingException}
 * naming the stored event.
 *
 * <p>Queries: a store runs {@link #storedPlan} instead of {@code QueryPlan.of(query)}, whose name
 * filter is widened to the names the wanted events may be stored under and which has no limit,
 * decodes what it finds, and hands the events to {@link #finish}, which keeps those the query
 * matches after upcasting, sorts them again when the order involves names, and applies the limit.
 * With a registry without event upcasters both are the identity, at no cost.
 */
public final class EventUpcasting {
  private EventUpcasting() {}

  /** Whether events stored under {@code storedName} must be read through {@link #decode}. */
  public static boolean upcasts(Codec codec, String storedName) {
    return codec.registry().hasEventUpcaster(storedName);
  }

  /**
   * The events a stored event reads as: none, one or (without aggregate) several.
   *
   * @param stored the stored event's id, name, time, aggregate, metadata and position (its data
   *     is not read)
   * @param revision the stored payload's revision
   * @param payload the stored payload's bytes
   * @throws EventDecodingException naming the stored event when a name is unknown, a payload does
   *     not fit or an upcaster fails (the cause names the upcaster)
   */
  public static List<Event<?>> decode(Codec codec, Event<?> stored, int revision, byte[] payload) {
    try {
      List<EventPayload> parts = codec.registry().upcastEvent(
          new EventPayload(stored.name(), revision, codec.readTree(stored.name(), payload)),
          stored.aggregateOrNull() != null);
      var events = new ArrayList<Event<?>>(parts.size());
      for (int i = 0; i < parts.size(); i++) {
        EventPayload part = parts.get(i);
        Object data = codec.fromTree(part.name(), part.payload());
        events.add(Event.of(
            partId(stored.id(), i), part.name(), stored.time(), data, stored.aggregateOrNull(),
            stored.metadata(), stored.position()));
      }
      return events;
    } catch (RuntimeException e) {
      throw new EventDecodingException(stored.id(), stored.name(), stored.position(), e);
    }
  }

  /**
   * The events an event kept as an object (by the in-memory store) reads as: its data encoded at
   * its name's current revision, then {@link #decode}d.
   */
  public static List<Event<?>> decodeObject(Codec codec, Event<?> stored) {
    byte[] payload;
    int revision;
    try {
      revision = codec.revision(stored.name(), stored.data());
      payload = codec.encode(stored.name(), stored.data());
    } catch (RuntimeException e) {
      throw new EventDecodingException(stored.id(), stored.name(), stored.position(), e);
    }
    return decode(codec, stored, revision, payload);
  }

  /**
   * What a store tells its insert listeners about {@code inserted}, events kept as objects: what
   * each reads as when its name has event upcasters, so that a listener waiting for a name sees
   * the events stored under its old names. An event that fails to upcast is passed on as inserted
   * (listeners only trigger reads, which then report the failure).
   */
  public static List<Event<?>> forListeners(Codec codec, List<Event<?>> inserted) {
    if (!codec.registry().upcastsEvents()) {
      return inserted;
    }
    var out = new ArrayList<Event<?>>(inserted.size());
    for (Event<?> e : inserted) {
      if (!upcasts(codec, e.name())) {
        out.add(e);
        continue;
      }
      try {
        out.addAll(decodeObject(codec, e));
      } catch (EventDecodingException failed) {
        out.add(e);
      }
    }
    return out;
  }

  /** Of the events a stored event reads as, the one that keeps its id, if any (a find by id). */
  public static Optional<Event<?>> withStoredId(List<Event<?>> parts) {
    return parts.isEmpty() ? Optional.empty() : Optional.of(parts.get(0));
  }

  /**
   * The id of part {@code index} of a stored event split by upcasters: the stored id for the
   * first, else one derived from it and the index alone, so every read gives the same ids. A
   * derived id keeps the stored id's first 64 bits (a UUIDv7's time and version) and its variant.
   */
  public static UUID partId(UUID storedId, int index) {
    if (index == 0) {
      return storedId;
    }
    long mixed = storedId.getLeastSignificantBits() ^ (index * 0x9E3779B97F4A7C15L);
    return new UUID(storedId.getMostSignificantBits(), mixed & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L);
  }

  /**
   * The names a subscription to {@code names} must read stored events under: each name and every
   * name whose events may read as it ({@link CodecRegistry#storedNamesOf}); {@code names} itself
   * when it holds {@link dev.fabula.event.EventBus#ALL} or no event upcaster is registered. A bus
   * selects stored or sent events by these names, decodes them with {@link #decode}, and delivers
   * only the events whose names are among {@code names}.
   */
  public static Set<String> storedNames(CodecRegistry registry, Set<String> names) {
    if (!registry.upcastsEvents() || names.contains(dev.fabula.event.EventBus.ALL)) {
      return names;
    }
    var stored = new LinkedHashSet<String>();
    for (String name : names) {
      stored.addAll(registry.storedNamesOf(name));
    }
    return Set.copyOf(stored);
  }

  /**
   * What a store runs for {@code query}: with event upcasters, the query's names widened to
   * every name such events may be stored under ({@link CodecRegistry#storedNamesOf}) and no limit
   * (upcasting may drop, split or rename what the store finds: {@link #finish} limits); else the
   * query's own plan.
   */
  public static QueryPlan storedPlan(CodecRegistry registry, EventQuery query) {
    Objects.requireNonNull(query, "query");
    if (!registry.upcastsEvents()) {
      return QueryPlan.of(query);
    }
    EventQuery stored = query;
    if (!query.names().isEmpty()) {
      var names = new ArrayList<String>();
      for (String name : query.names()) {
        names.addAll(registry.storedNamesOf(name));
      }
      stored = query.toBuilder().names(names).build();
    }
    return QueryPlan.unlimited(stored);
  }

  /**
   * The result of {@code query} from the upcast events its {@link #storedPlan} found, in the
   * store's order: those the query matches, sorted again when its order involves the event name
   * (the store sorted by stored names), at most its limit.
   */
  public static Stream<Event<?>> finish(CodecRegistry registry, EventQuery query, Stream<Event<?>> upcast) {
    if (!registry.upcastsEvents()) {
      return upcast;
    }
    QueryPlan plan = QueryPlan.of(query);
    Stream<Event<?>> result = upcast.filter(plan::matches);
    for (SortOrder o : plan.order()) {
      if (o.field() == SortField.NAME) {
        result = result.sorted(plan.comparator());
        break;
      }
    }
    return plan.limit().isPresent() ? result.limit(plan.limit().getAsInt()) : result;
  }
}
