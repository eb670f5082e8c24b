package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventHandler;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.spi.EventUpcasting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The subscriptions of one PostgreSQL event bus and the hand-on of each bus row to those that
 * want it (ADR 0017): every matching subscription outside a queue group, and one member of each
 * group that won the row.
 */
final class BusSubscribers {
  private final Codec codec;
  private final String table;
  private final List<BusSubscriber> members = new CopyOnWriteArrayList<>();
  private final List<DurableSubscription> durables = new CopyOnWriteArrayList<>();

  BusSubscribers(Codec codec, String table) {
    this.codec = codec;
    this.table = table;
  }

  /** A started subscription to {@code names}, registered here until it closes. */
  BusSubscriber add(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    BusSubscriber member = new BusSubscriber(
        names, EventUpcasting.storedNames(codec.registry(), names), options, table, members::remove);
    member.start(handler);
    members.add(member);
    return member;
  }

  /** Registers a durable subscription, woken with the pump until it closes. */
  void addDurable(DurableSubscription durable) {
    durables.add(durable);
  }

  void removeDurable(DurableSubscription durable) {
    durables.remove(durable);
  }

  /** Wakes the durable subscriptions: they read the table on their own threads. */
  void wakeDurables() {
    durables.forEach(DurableSubscription::wake);
  }

  /** The smallest buffer of a BLOCK subscription of this bus; no limit without one. */
  long blockLimit() {
    long limit = Long.MAX_VALUE;
    for (BusSubscriber m : members) {
      if (m.options().overflowPolicy() == OverflowPolicy.BLOCK && m.isActive()) {
        limit = Math.min(limit, m.options().bufferCapacity());
      }
    }
    return limit;
  }

  /** How many of {@code events} an active BLOCK subscription of this bus wants. */
  int blockWanted(List<? extends Event<?>> events) {
    int wanted = 0;
    for (Event<?> e : events) {
      for (BusSubscriber m : members) {
        if (m.options().overflowPolicy() == OverflowPolicy.BLOCK && m.isActive() && m.matches(e.name())) {
          wanted++;
          break;
        }
      }
    }
    return wanted;
  }

  /** The open subscriptions; forgets those cancelled on overflow or whose delivery ended. */
  List<BusSubscriber> live() {
    List<BusSubscriber> live = new ArrayList<>(members.size());
    for (BusSubscriber m : members) {
      if (m.isActive()) {
        live.add(m);
      } else {
        members.remove(m);
      }
    }
    return live;
  }

  /**
   * Hands one row to every subscription outside a queue group whose names match, and to one
   * matching member of each group that won it (in turn), decoding it only if one is to get it (so
   * a bus whose codec does not know a name nobody here subscribed to is not disturbed by it). A
   * row that does not decode is reported to each such subscription's error handler.
   */
  void handOn(BusRow row, List<BusSubscriber> live, QueueClaims claims) {
    String name = row.event().name();
    List<BusSubscriber> targets = new ArrayList<>(2);
    Map<String, List<BusSubscriber>> groups = null;
    for (BusSubscriber m : live) {
      if (!m.matches(name)) {
        continue;
      }
      String group = m.group();
      if (group == null) {
        targets.add(m);
      } else if (claims.won(group, row.position())) {
        if (groups == null) {
          groups = new HashMap<>();
        }
        groups.computeIfAbsent(group, g -> new ArrayList<>()).add(m);
      }
    }
    if (groups != null) {
      for (var e : groups.entrySet()) {
        BusSubscriber next = claims.next(e.getKey(), e.getValue());
        if (next != null) {
          targets.add(next);
        }
      }
    }
    if (targets.isEmpty()) {
      return;
    }
    List<Event<?>> events;
    try {
      events = EventReader.decodeAll(codec, row.event()); // one event, or what upcasters make of it
    } catch (Throwable e) { // an Error too: reported, and the next row follows
      targets.forEach(m -> m.report(e));
      return;
    }
    if (events.isEmpty()) {
      return; // dropped by an event upcaster
    }
    for (BusSubscriber m : targets) {
      m.deliver(events);
    }
  }

  /** Closes every subscription: the durable ones, then the others (which releases a held pump). */
  void close() {
    durables.forEach(DurableSubscription::close);
    members.forEach(BusSubscriber::close);
  }
}
