package dev.fabula.event;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Gives {@link EventQuery} its value semantics: equality that ignores the order in which filter
 * values were given, the hash code that goes with it, and the text naming the settings made.
 */
final class EventQueryValues {
  private EventQueryValues() {}

  /** Whether {@code a} and {@code b} have the same settings; ranges and selectors as sets, sort keys in order. */
  static boolean equal(EventQuery a, EventQuery b) {
    return a.names().equals(b.names())
        && a.ids().equals(b.ids())
        && a.timeExact().equals(b.timeExact())
        && sameElements(a.timeRanges(), b.timeRanges())
        && a.timeMin().equals(b.timeMin())
        && a.timeMax().equals(b.timeMax())
        && a.timeBefore().equals(b.timeBefore())
        && a.timeAfter().equals(b.timeAfter())
        && a.aggregateNames().equals(b.aggregateNames())
        && a.aggregateIds().equals(b.aggregateIds())
        && a.versionExact().equals(b.versionExact())
        && sameElements(a.versionRanges(), b.versionRanges())
        && a.versionMin().equals(b.versionMin())
        && a.versionMax().equals(b.versionMax())
        && sameElements(a.aggregates(), b.aggregates())
        && a.afterPosition() == b.afterPosition()
        && a.sort().equals(b.sort())
        && a.limit().equals(b.limit());
  }

  /** A hash code agreeing with {@link #equal}: set hash codes are sums, independent of order. */
  static int hash(EventQuery q) {
    return Objects.hash(
        q.names(), q.ids(), q.timeExact(), Set.copyOf(q.timeRanges()), q.timeMin(), q.timeMax(),
        q.timeBefore(), q.timeAfter(), q.aggregateNames(), q.aggregateIds(), q.versionExact(),
        Set.copyOf(q.versionRanges()), q.versionMin(), q.versionMax(), Set.copyOf(q.aggregates()),
        q.afterPosition(), q.sort(), q.limit());
  }

  /** {@code EventQuery[name=value, ...]} for every setting made. */
  static String render(EventQuery q) {
    var parts = new ArrayList<String>();
    add(parts, "names", q.names());
    add(parts, "ids", q.ids());
    add(parts, "timeExact", q.timeExact());
    add(parts, "timeRanges", q.timeRanges());
    add(parts, "timeMin", q.timeMin().orElse(null));
    add(parts, "timeMax", q.timeMax().orElse(null));
    add(parts, "timeBefore", q.timeBefore().orElse(null));
    add(parts, "timeAfter", q.timeAfter().orElse(null));
    add(parts, "aggregateNames", q.aggregateNames());
    add(parts, "aggregateIds", q.aggregateIds());
    add(parts, "versionExact", q.versionExact());
    add(parts, "versionRanges", q.versionRanges());
    add(parts, "versionMin", q.versionMin().isPresent() ? q.versionMin().getAsInt() : null);
    add(parts, "versionMax", q.versionMax().isPresent() ? q.versionMax().getAsInt() : null);
    add(parts, "aggregates", q.aggregates());
    add(parts, "afterPosition", q.afterPosition() == 0 ? null : q.afterPosition());
    add(parts, "sort", q.sort());
    add(parts, "limit", q.limit().isPresent() ? q.limit().getAsInt() : null);
    return "EventQuery" + parts;
  }

  private static boolean sameElements(List<?> a, List<?> b) {
    return Set.copyOf(a).equals(Set.copyOf(b));
  }

  private static void add(List<String> parts, String label, @Nullable Object value) {
    if (value != null && !(value instanceof Collection<?> c && c.isEmpty())) {
      parts.add(label + "=" + value);
    }
  }
}
