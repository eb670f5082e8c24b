package dev.fabula.projection;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A job reading {@code (from, head]} from the event store: the {@link Job} a schedule hands its
 * handler. Each projection it applies is read from its own position: its progress if it keeps
 * one, else its cursor in the schedule ({@link Cursors}). Reading is {@link JobReader}'s work,
 * applying {@link ProjectionApplier}'s, and what {@link #eventsFor} handed out {@link HandedOut}'s.
 */
final class StoreJob implements Job {
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

    /** Keeps {@code letter} of {@code projection} (the instance) in the schedule's list. */
    void deadLetter(DeadLetter letter, Projection projection);

    /** A reset trigger reset {@code projection}: its dead letters go (the rebuild meets them again). */
    void projectionReset(Projection projection);

    /** Whether the schedule is closing: the job stops at the next event boundary. */
    boolean cancelled();
  }

  private final long from;
  private final long head;
  private final TriggerOptions trigger;
  private final Context context;
  private final JobReader reader;
  private final ProjectionApplier applier;
  private final HandedOut handedOut = new HandedOut();

  StoreJob(
      EventStore store,
      EventQuery base,
      long from,
      long head,
      TriggerOptions trigger,
      Context context) {
    this.from = from;
    this.head = head;
    this.trigger = trigger;
    this.context = context;
    this.reader = new JobReader(store, base, head, trigger, context.options().jobCacheSize());
    this.applier = new ProjectionApplier(reader, from, head, trigger.reset(), context);
  }

  /** Whether the trigger narrowed the job (a query or filters): then it moves no cursor past what it did not deliver. */
  boolean narrowed() {
    return reader.narrowed();
  }

  @Override
  public Stream<Event<?>> events() {
    return reader.delivered(from);
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
    return handedOut.track(
        projection,
        cursor,
        after,
        () -> {
          Stream<Event<?>> s = reader.read(after);
          return reader.narrowed() ? s.takeWhile(reader::covered) : s;
        });
  }

  /**
   * The job's handler returned normally: each projection it read through {@link #eventsFor} and
   * did not {@linkplain #apply apply} moves past what it was handed — to the head if a stream of
   * an un-narrowed job was read to its end. A {@link ProgressAware} one moved its progress itself;
   * its cursor only mirrors it.
   */
  void settleReads() {
    handedOut.settle(applier::appliedHere, reader.narrowed(), head);
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
    return reader.storeReads();
  }

  @Override
  public void apply(Projection... projections) {
    applier.apply(projections);
  }
}
