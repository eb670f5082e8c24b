package dev.fabula.projection;

import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/** A job reading {@code (from, head]} of a query from the event store, with a bounded cache. */
final class StoreJob implements Job {
  private static final int PROGRESS_REPORT_EVERY = 4096;

  /** What a job needs from the schedule that runs it. */
  interface Context {
    ScheduleOptions options();

    /** The job applied the event at {@code position}; {@code report} asks to tell the listener. */
    void progressed(long position, boolean report);

    void deadLetter(DeadLetter letter);

    /** Whether the schedule is closing: the job stops at the next event boundary. */
    boolean cancelled();
  }

  private final EventStore store;
  private final EventQuery base;
  private final List<EventQuery> filters;
  private final long from;
  private final long head;
  private final TriggerOptions trigger;
  private final Context context;
  private final Set<Object> resetDone = Collections.newSetFromMap(new IdentityHashMap<>());
  private @Nullable List<Event<?>> cache;
  private long cacheFrom;
  private int storeReads;

  StoreJob(
      EventStore store,
      EventQuery base,
      long from,
      long head,
      TriggerOptions trigger,
      Context context) {
    this.store = store;
    this.base = base;
    this.filters = trigger.filters();
    this.from = from;
    this.head = head;
    this.trigger = trigger;
    this.context = context;
  }

  @Override
  public Stream<Event<?>> events() {
    return read(from);
  }

  @Override
  public Stream<Event<?>> events(String... aggregateNames) {
    Set<String> names = Set.copyOf(Arrays.asList(aggregateNames));
    return events()
        .filter(e -> e.aggregateOrNull() != null && names.contains(e.aggregateOrNull().name()));
  }

  @Override
  public Stream<Event<?>> eventsFor(Projection projection) {
    return read(projection instanceof ProgressAware p ? p.progress() : from);
  }

  @Override
  public Set<AggregateSelector.Exact> aggregates() {
    var out = new LinkedHashSet<AggregateSelector.Exact>();
    try (Stream<Event<?>> events = events()) {
      events.forEach(
          e -> {
            AggregateRef ref = e.aggregateOrNull();
            if (ref != null) {
              out.add(new AggregateSelector.Exact(ref.name(), ref.id()));
            }
          });
    }
    return Collections.unmodifiableSet(out);
  }

  @Override
  public long head() {
    return head;
  }

  @Override
  public TriggerOptions trigger() {
    return trigger;
  }

  /** How many times the job queried the store (for tests of the cache). */
  int storeReads() {
    return storeReads;
  }

  /** The matching events with positions in {@code (after, head]}, in position order. */
  private Stream<Event<?>> read(long after) {
    if (after >= head) {
      return Stream.empty();
    }
    List<Event<?>> cached = cache;
    if (cached != null && after >= cacheFrom) {
      return cached.subList(firstAfter(cached, after), cached.size()).stream();
    }
    if (head - after <= context.options().jobCacheSize()) {
      List<Event<?>> loaded;
      try (Stream<Event<?>> s = readStore(after)) {
        loaded = s.toList();
      }
      cache = loaded;
      cacheFrom = after;
      return loaded.stream();
    }
    return readStore(after);
  }

  private Stream<Event<?>> readStore(long after) {
    EventQuery q = base;
    Stream<Event<?>> s;
    if (q.afterPosition() < after) {
      if (q.afterPosition() == 0) {
        s = store.query(q.toBuilder().afterPosition(after).build());
      } else {
        s = store.query(q).filter(e -> e.position() > after);
      }
    } else {
      s = store.query(q);
    }
    storeReads++;
    s = s.takeWhile(e -> e.position() <= head);
    for (EventQuery f : filters) {
      s = s.filter(f::matches);
    }
    return s;
  }

  private static int firstAfter(List<Event<?>> events, long position) {
    int lo = 0;
    int hi = events.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (events.get(mid).position() <= position) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @Override
  public void apply(Projection... projections) {
    ProjectionException first = null;
    for (Projection p : projections) {
      ProjectionException failure = applyOne(Objects.requireNonNull(p, "projection"));
      if (failure != null) {
        if (first == null) {
          first = failure;
        } else {
          first.addSuppressed(failure);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Applies one projection; returns its failure under {@link FailurePolicy#STOP}, else null. */
  private @Nullable ProjectionException applyOne(Projection projection) {
    ReentrantLock lock = ProjectionLocks.of(projection);
    lock.lock();
    try {
      ProgressAware progress = projection instanceof ProgressAware pa ? pa : null;
      if (trigger.reset() && resetDone.add(projection)) {
        reset(projection, progress);
      }
      long last = progress != null ? progress.progress() : from;
      Guarded guard = projection instanceof Guarded g ? g : null;
      long applied = 0;
      try (Stream<Event<?>> events = read(last)) {
        Iterator<Event<?>> it = events.iterator();
        while (it.hasNext()) {
          if (context.cancelled()) {
            return null;
          }
          Event<?> event = it.next();
          if (event.position() <= last) {
            continue; // never twice, even if a store returned an event again
          }
          if (guard == null || guard.accepts(event)) {
            ProjectionException failure = applyWithRetry(projection, event);
            if (failure != null) {
              safely(() -> context.options().listener().failed(failure));
              if (context.options().failurePolicy() == FailurePolicy.STOP) {
                return failure; // progress stays at the last good position
              }
              var letter = new DeadLetter(projection.projectionName(), event, failure);
              context.deadLetter(letter);
              safely(() -> context.options().listener().deadLettered(letter));
            }
          }
          if (progress != null) {
            progress.progress(event.position());
          }
          last = event.position();
          context.progressed(last, ++applied % PROGRESS_REPORT_EVERY == 0);
        }
      }
      // Everything matching up to the head was read: nothing at or below it can appear later.
      if (progress != null && last < head && !context.cancelled()) {
        progress.progress(head);
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  private static void reset(Projection projection, @Nullable ProgressAware progress) {
    if (projection instanceof Resettable r) {
      r.reset();
    } else if (progress != null) {
      throw new IllegalStateException(
          "cannot rebuild projection " + projection.projectionName()
              + ": it keeps progress but is not Resettable");
    }
    if (progress != null && progress.progress() != 0) {
      throw new IllegalStateException(
          "projection " + projection.projectionName() + " did not set its progress to 0 in"
              + " reset() (it is at " + progress.progress() + ")");
    }
  }

  private @Nullable ProjectionException applyWithRetry(Projection projection, Event<?> event) {
    RetryPolicy retry = context.options().retryPolicy();
    for (int attempt = 1; ; attempt++) {
      try {
        projection.apply(event);
        return null;
      } catch (TransientException e) {
        if (attempt >= retry.maxAttempts() || context.cancelled()) {
          return new ProjectionException(projection.projectionName(), event, e);
        }
        retry.pause(attempt);
      } catch (Exception e) {
        return new ProjectionException(projection.projectionName(), event, e);
      }
    }
  }

  static void safely(Runnable listenerCall) {
    try {
      listenerCall.run();
    } catch (RuntimeException ignored) {
      // A failing listener must not break the job.
    }
  }
}
