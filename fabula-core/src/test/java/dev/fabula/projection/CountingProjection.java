package dev.fabula.projection;

import dev.fabula.event.Event;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A progress-aware, resettable read model for tests: counts events per aggregate and sums their
 * long data, records the order of applied event ids, and fails loudly on a second application.
 */
class CountingProjection implements Projection, ProgressAware, Resettable {
  private final String name;
  final Map<UUID, Long> countByAggregate = new TreeMap<>();
  final Map<UUID, Long> sumByAggregate = new TreeMap<>();
  final List<UUID> applied = new ArrayList<>();
  private final Set<UUID> seen = new HashSet<>();
  volatile Predicate<Event<?>> failOn = e -> false;
  volatile int duplicates;
  private volatile long progress;

  CountingProjection(String name) {
    this.name = name;
  }

  @Override
  public void apply(Event<?> event) {
    if (failOn.test(event)) {
      throw new IllegalStateException("cannot apply " + event);
    }
    if (!seen.add(event.id())) {
      duplicates++;
    }
    applied.add(event.id());
    UUID id = event.aggregateOrNull() == null ? new UUID(0, 0) : event.aggregateOrNull().id();
    countByAggregate.merge(id, 1L, Long::sum);
    if (event.data() instanceof Long n) {
      sumByAggregate.merge(id, n, Long::sum);
    }
  }

  @Override
  public String projectionName() {
    return name;
  }

  @Override
  public long progress() {
    return progress;
  }

  @Override
  public void progress(long position) {
    if (position < progress) {
      throw new AssertionError("progress went back from " + progress + " to " + position);
    }
    progress = position;
  }

  @Override
  public void reset() {
    countByAggregate.clear();
    sumByAggregate.clear();
    applied.clear();
    seen.clear();
    progress = 0;
  }

  /** A fresh projection that applied every event of the list, in order. */
  static CountingProjection replay(String name, List<Event<?>> events) {
    var p = new CountingProjection(name);
    events.forEach(p::apply);
    return p;
  }

  /** Same state as {@code other}, event for event. */
  boolean sameAs(CountingProjection other) {
    return applied.equals(other.applied)
        && countByAggregate.equals(other.countByAggregate)
        && sumByAggregate.equals(other.sumByAggregate);
  }
}
