package dev.fabula.projection;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.spi.QueryPlan;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
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

    /**
     * Where {@code projection} stands in this schedule; the subscription remembers it. A
     * projection the schedule has not met yet starts at {@code start}, where the job starts.
     */
    Cursors.Cursor cursor(Projection projection, long start);

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
  /** The trigger's query and filters, planned once for the job: they are matched per event. */
  private final @Nullable QueryPlan triggerPlan;
  private final List<QueryPlan> filterPlans;
  private final boolean narrowed;
  private final long from;
  private final long head;
  private final TriggerOptions trigger;
  private final Context context;
  private final Set<Object> resetDone = Collections.newSetFromMap(new IdentityHashMap<>());
  /** The projections {@link #apply} applied in this job: they moved their positions themselves. */
  private final Set<Object> appliedHere = Collections.newSetFromMap(new IdentityHashMap<>());
  /** What {@link #eventsFor} handed out, per projection, for {@link #settleReads()}. */
  private final Map<Projection, Reading> reads = new IdentityHashMap<>();
  /** Why the job stopped early: an interrupt, or the schedule closing. */
  private @Nullable Throwable interruption;
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
    this.triggerPlan = trigger.query().map(QueryPlan::of).orElse(null);
    this.filterPlans = trigger.filters().stream().map(QueryPlan::of).toList();
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
    for (QueryPlan f : filterPlans) {
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
    Objects.requireNonNull(projection, "projection");
    Cursors.Cursor cursor = context.cursor(projection, from);
    long after = projection instanceof ProgressAware p ? p.progress() : cursor.position;
    Reading reading = reads.computeIfAbsent(projection, k -> new Reading(cursor, after));
    Stream<Event<?>> s = read(after);
    return tracking(narrowed ? s.takeWhile(this::coveredByNarrowing) : s, reading);
  }

  /** What the job handed out through {@link #eventsFor} for one projection. */
  private static final class Reading {
    final Cursors.Cursor cursor;
    /** The position of the last event handed out (or where the reading started). */
    long delivered;
    /** Whether a stream was read to its end. */
    boolean exhausted;

    Reading(Cursors.Cursor cursor, long start) {
      this.cursor = cursor;
      this.delivered = start;
    }
  }

  /** {@code s}, noting in {@code reading} each event it hands out and whether it ran out. */
  private static Stream<Event<?>> tracking(Stream<Event<?>> s, Reading reading) {
    Spliterator<Event<?>> inner = s.spliterator();
    Spliterator<Event<?>> outer =
        new Spliterators.AbstractSpliterator<Event<?>>(
            Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
          @Override
          public boolean tryAdvance(Consumer<? super Event<?>> action) {
            boolean more =
                inner.tryAdvance(
                    e -> {
                      reading.delivered = Math.max(reading.delivered, e.position());
                      action.accept(e);
                    });
            if (!more) {
              reading.exhausted = true;
            }
            return more;
          }
        };
    return StreamSupport.stream(outer, false).onClose(s::close);
  }

  /**
   * The job's handler returned normally: each projection it read through {@link #eventsFor} and
   * did not {@linkplain #apply apply} moves past what it was handed — to the head if a stream of
   * an un-narrowed job was read to its end. A {@link ProgressAware} one moved its progress itself;
   * its cursor only mirrors it.
   */
  void settleReads() {
    for (Map.Entry<Projection, Reading> entry : reads.entrySet()) {
      Projection projection = entry.getKey();
      if (appliedHere.contains(projection)) {
        continue; // apply moved it, event by event
      }
      Reading r = entry.getValue();
      ReentrantLock lock = ProjectionLocks.of(projection);
      lock.lock();
      try {
        if (projection instanceof ProgressAware progress) {
          r.cursor.position = progress.progress();
        } else {
          long to = r.exhausted && !narrowed ? head : r.delivered;
          if (to > r.cursor.position) {
            r.cursor.position = to;
          }
        }
        r.cursor.failure = null;
      } finally {
        lock.unlock();
      }
    }
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
    if (triggerPlan != null && !triggerPlan.matches(event)) {
      return false;
    }
    for (QueryPlan f : filterPlans) {
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
      Objects.requireNonNull(p, "projection");
      if (interruption != null) {
        break;
      }
      ProjectionException failure = applyOne(p);
      if (failure != null) {
        if (first == null) {
          first = failure;
        } else {
          first.addSuppressed(failure);
        }
      }
    }
    Throwable stop = interruption;
    if (stop != null) {
      // Closing (or an interrupt) is no projection's failure: nothing was dead-lettered, reported
      // or moved past the event; the next job (or schedule) applies it. The flag is the caller's.
      if (interrupted(stop)) {
        Thread.currentThread().interrupt();
      }
      RuntimeException ended;
      if (context.cancelled()) {
        ended = new ClosedException("projection schedule");
        ended.initCause(stop);
      } else {
        ended =
            new FabulaException(
                "a projection job was interrupted; each projection stays before the event it was"
                    + " applying",
                stop);
      }
      if (first != null) {
        ended.addSuppressed(first);
      }
      throw ended;
    }
    if (first != null) {
      throw first;
    }
  }

  /** Applies one projection; returns its failure under {@link FailurePolicy#STOP}, else null. */
  private @Nullable ProjectionException applyOne(Projection projection) {
    appliedHere.add(projection);
    ReentrantLock lock = ProjectionLocks.of(projection);
    lock.lock();
    try {
      ProgressAware progress = projection instanceof ProgressAware pa ? pa : null;
      Cursors.Cursor cursor = context.cursor(projection, from);
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
            if (interruption != null) {
              return null; // stopped before the event: not applied, not skipped
            }
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

  /**
   * Applies the event unless the guard rejects it; any {@link Throwable} becomes the report (an
   * {@link Error} too: the job reports it and goes on per policy). A failure while the schedule is
   * closing, or caused by an interrupt, is no failure of the projection: it sets {@link
   * #interruption} and returns null, and the caller stops without moving past the event.
   */
  private @Nullable ProjectionException applyWithRetry(
      Projection projection, @Nullable Guarded guard, Event<?> event) {
    RetryPolicy retry = context.options().retryPolicy();
    for (int attempt = 1; ; attempt++) {
      Throwable failure;
      try {
        if (guard == null || guard.accepts(event)) {
          projection.apply(event);
        }
        return null;
      } catch (Throwable e) {
        failure = e;
      }
      if (stopping(failure)) {
        interruption = failure;
        return null;
      }
      if (!(failure instanceof TransientException) || attempt >= retry.maxAttempts()) {
        return new ProjectionException(projection.projectionName(), event, failure);
      }
      try {
        retry.pause(attempt);
      } catch (RuntimeException interrupted) { // the pause's only failure: an interrupt
        interruption = interrupted;
        return null;
      }
    }
  }

  /** Whether {@code failure} comes from the schedule closing or an interrupt of the job's thread. */
  private boolean stopping(Throwable failure) {
    return context.cancelled() || interrupted(failure);
  }

  /** Whether the thread is interrupted or {@code failure} comes from an interrupt. */
  private static boolean interrupted(Throwable failure) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
      if (t instanceof InterruptedException
          || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))
          || t instanceof ClosedByInterruptException) {
        return true;
      }
    }
    return false;
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
