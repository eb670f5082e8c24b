package dev.fabula.projection;

import dev.fabula.event.Event;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Where each projection a schedule applies stands, by projection instance (identity, weakly held).
 * For a projection that does not keep its own progress this is its progress within the schedule:
 * the next job resumes after it, so nothing is applied twice while the schedule lives (see {@code
 * docs/adr/0011-per-projection-cursors-and-thread-failures.md}). For a {@link ProgressAware} one it mirrors the
 * last progress a job saw, so that status and {@link Schedule#awaitCaughtUp} never call the
 * projection from another thread.
 */
final class Cursors {
  private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
  private final ConcurrentHashMap<Cursor, Cursor> cursors = new ConcurrentHashMap<>();

  /**
   * The cursor of {@code projection}; one the schedule has not seen yet starts at {@code start},
   * the position the job meeting it starts from (not 0: a projection created for each job — a
   * capturing lambda, a {@link Projections#named} wrapper — would get the whole history again).
   */
  Cursor of(Projection projection, long start) {
    for (Reference<?> r; (r = queue.poll()) != null; ) {
      cursors.remove((Cursor) r);
    }
    return cursors.computeIfAbsent(new Cursor(projection, queue), c -> c.startingAt(start));
  }

  /** One projection's position in a schedule. Written by jobs under the projection's lock. */
  static final class Cursor extends IdentityKey {
    final String name;
    /** The position of the last event applied (or moved past), as the last job left it. */
    volatile long position;
    /** Why the projection stopped before the head in its last job, or null. */
    volatile @Nullable ProjectionException failure;
    /**
     * The ids of the parts of the split stored event at {@link #partsAt} applied (or moved past)
     * by a job that stopped before the group's last part (ADR 0021); empty once it is whole.
     */
    private final Set<UUID> partsApplied = new HashSet<>();
    private long partsAt;

    Cursor(Projection projection, ReferenceQueue<Object> queue) {
      super(projection, queue);
      name = projection.projectionName();
    }

    private Cursor startingAt(long start) {
      position = start;
      return this;
    }

    /** Records that {@code event} was applied (or moved past), until its position is passed. */
    void applied(Event<?> event) {
      if (partsAt != event.position()) {
        partsAt = event.position();
        partsApplied.clear();
      }
      partsApplied.add(event.id());
    }

    /** Whether {@code event}, a part of a split stored event above {@link #position}, was applied. */
    boolean appliedBefore(Event<?> event) {
      return partsAt == event.position() && position < partsAt && partsApplied.contains(event.id());
    }

    /** Whether the projection still exists (a collected one needs no catching up). */
    boolean live() {
      return get() != null;
    }
  }
}
