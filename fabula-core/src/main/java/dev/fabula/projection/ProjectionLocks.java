package dev.fabula.projection;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One lock per projection instance (by identity, not equals), shared by every job in the JVM, so
 * two schedules never apply to one projection at once. Entries go when the projection is garbage.
 */
final class ProjectionLocks {
  private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  private static final ConcurrentHashMap<Key, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private ProjectionLocks() {}

  static ReentrantLock of(Object projection) {
    expunge();
    return LOCKS.computeIfAbsent(new Key(projection), k -> new ReentrantLock());
  }

  private static void expunge() {
    for (Reference<?> r; (r = QUEUE.poll()) != null; ) {
      LOCKS.remove((Key) r);
    }
  }

  private static final class Key extends WeakReference<Object> {
    private final int hash;

    Key(Object referent) {
      super(referent, QUEUE);
      hash = System.identityHashCode(referent);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Key k) || k.hash != hash) {
        return false;
      }
      Object mine = get();
      return mine != null && mine == k.get();
    }
  }
}
