package dev.fabula.projection;

import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
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

/**
 * A job reading {@code (from, head]} from the event store, with a bounded cache. Each projection
 * it applies is read from its own position: its progress if it keeps one, else its cursor in the
 * schedule ({@link Cursors}).
 */
final class StoreJob implements Job {
  private static final int PROGRESS_REPORT_EVERY = 4096;
  private static final System.Logger LOG = System.getLogger(Schedule.class.getName());

  /** What a job needs from the schedule that runs it. */
  interface Context {
    ScheduleOptions options();

    /** Where {@code projection} stands in this schedule; the subscription remembers it. */
    Cursors.Cursor cursor(Projection projection);

    /** A projection applied the event at {@code position}; {@code report} asks to tell the listener. */
    void progressed(long position, boolean report);

    void deadLetter(DeadLetter letter);

    /** Whether the schedule is closing: the job stops at the next event boundary. */
    boolean cancelled();
  }

  private final EventStore store;
  /** The schedule's own query (its event names): what projections follow. */
  private final EventQuery base;
  /** What {@link #events()} delivers: the trigger's query, or {@link #base}. */
  private final EventQuery delivered;
  private final List<EventQuery> filters;
  private final boolean narrowed;
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
    this.delivered = trigger.query().orElse(base);
    this.filters = trigger.filters();
    this.narrowed = trigger.narrowed();
    this.from = from;
    this.head = head;
    this.trigger = trigger;
    this.context = context;
  }

  /** Whether the trigger narrowed the job (a query or filters): then it moves no cursor past what it did not deliver. */
  boolean narrowed() {
    return narrowed;
  }

  @Override
  public Stream<Event<?>> events() {
    if (!narrowed) {
      return read(from);
    }
    Stream<Event<?>> s = readStore(delivered, from);
    for (EventQuery f : filters) {
      s = s.filter(f::matches);
    }
    return s;
  }

  @Override
  public Stream<Event<?>> events(String... aggregateNames) {
    Set<String> names = Set.copyOf(Arrays.asList(aggregateNames));
    return events()
        .filter(e -> e.aggregateOrNull() != null && names.contains(e.aggregateOrNull().name()));
  }

  @Override
  public Stream<Event<?>> eventsFor(Projection projection) {
    long after =
        projection instanceof ProgressAware p ? p.progress() : context.cursor(projection).position;
    Stream<Event<?>> s = read(after);
    return narrowed ? s.takeWhile(this::coveredByNarrowing) : s;
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

  /** Whether a narrowed trigger delivers {@code event}. */
  private boolean coveredByNarrowing(Event<?> event) {
    if (trigger.query().isPresent() && !trigger.query().get().matches(event)) {
      return false;
    }
    for (EventQuery f : filters) {
      if (!f.matches(event)) {
        return false;
      }
    }
    return true;
  }

  /** The events of the schedule's query with positions in {@code (after, head]}, in order. */
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
      try (Stream<Event<?>> s = readStore(base, after)) {
        loaded = s.toList();
      } catch (EventDecodingException e) {
        // An event the store cannot decode: stream instead, so the events before it are applied
        // before the reader meets it.
        return readStore(base, after);
      }
      cache = loaded;
      cacheFrom = after;
      return loaded.stream();
    }
    return readStore(base, after);
  }

  private Stream<Event<?>> readStore(EventQuery q, long after) {
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
    return s.takeWhile(e -> e.position() <= head);
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
      Cursors.Cursor cursor = context.cursor(projection);
      if (trigger.reset() && resetDone.add(projection)) {
        reset(projection, progress);
        cursor.position = 0;
      }
      long last = progress != null ? progress.progress() : cursor.position;
      cursor.position = last;
      Guarded guard = projection instanceof Guarded g ? g : null;
      long applied = 0;
      while (true) {
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
            if (narrowed && !coveredByNarrowing(event)) {
              // The trigger left this event out: stop before it, so the next job delivers it.
              cursor.failure = null;
              return null;
            }
            ProjectionException failure = applyWithRetry(projection, guard, event);
            if (failure != null && !failed(projection, failure, event)) {
              cursor.failure = failure;
              return failure; // progress stays at the last good position
            }
            last = advance(progress, cursor, event.position());
            context.progressed(last, ++applied % PROGRESS_REPORT_EVERY == 0);
          }
          break;
        } catch (EventDecodingException e) {
          if (e.position() > head) {
            break; // beyond this job: the next one meets it
          }
          if (e.position() <= last) {
            throw e; // the store broke its order; retrying here would loop
          }
          var failure = new ProjectionException(projection.projectionName(), e);
          if (!failed(projection, failure, null)) {
            cursor.failure = failure;
            return failure;
          }
          last = advance(progress, cursor, e.position()); // and read on after it
        }
      }
      // Everything of the schedule up to the head was read: nothing at or below it can appear
      // later. A narrowed job read only part of it, so it moves nothing further.
      if (!narrowed && last < head && !context.cancelled()) {
        advance(progress, cursor, head);
      }
      cursor.failure = null;
      return null;
    } finally {
      lock.unlock();
    }
  }

  private static long advance(@Nullable ProgressAware progress, Cursors.Cursor cursor, long position) {
    if (progress != null) {
      progress.progress(position);
    }
    cursor.position = position;
    return position;
  }

  /**
   * Reports a failure; returns whether the projection moves past the event ({@link
   * FailurePolicy#DEAD_LETTER}). {@code event} is null for an event that could not be decoded.
   */
  private boolean failed(Projection projection, ProjectionException failure, @Nullable Event<?> event) {
    safely(() -> context.options().listener().failed(failure));
    if (context.options().failurePolicy() == FailurePolicy.STOP) {
      return false;
    }
    var letter = new DeadLetter(projection.projectionName(), failure, event);
    context.deadLetter(letter);
    safely(() -> context.options().listener().deadLettered(letter));
    return true;
  }

  private static void reset(Projection projection, @Nullable ProgressAware progress) {
    if (projection instanceof Resettable r) {
      r.reset();
    } else {
      // Applying every event again to a read model that still holds them would apply them twice.
      throw new IllegalStateException(
          "cannot rebuild projection " + projection.projectionName() + ": it is not Resettable");
    }
    if (progress != null && progress.progress() != 0) {
      throw new IllegalStateException(
          "projection " + projection.projectionName() + " did not set its progress to 0 in"
              + " reset() (it is at " + progress.progress() + ")");
    }
  }

  /** Applies the event unless the guard rejects it; any {@link Throwable} becomes the report. */
  private @Nullable ProjectionException applyWithRetry(
      Projection projection, @Nullable Guarded guard, Event<?> event) {
    RetryPolicy retry = context.options().retryPolicy();
    for (int attempt = 1; ; attempt++) {
      try {
        if (guard == null || guard.accepts(event)) {
          projection.apply(event);
        }
        return null;
      } catch (TransientException e) {
        if (attempt >= retry.maxAttempts() || context.cancelled()) {
          return new ProjectionException(projection.projectionName(), event, e);
        }
        retry.pause(attempt);
      } catch (Throwable e) { // an Error too: the job reports it and goes on per policy
        return new ProjectionException(projection.projectionName(), event, e);
      }
    }
  }

  /** Calls a listener; what it throws is logged once and goes no further. */
  static void safely(Runnable listenerCall) {
    try {
      listenerCall.run();
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "a projection schedule listener failed", t);
    }
  }
}
