package dev.fabula.projection;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per projection instance (by identity, not equals), shared by every job in the JVM, so
 * two schedules never apply to one projection at once. Entries go when the projection is garbage.
 */
final class ProjectionLocks {
  private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  private static final ConcurrentHashMap<IdentityKey, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private ProjectionLocks() {}

  static ReentrantLock of(Object projection) {
    expunge();
    return LOCKS.computeIfAbsent(new IdentityKey(projection, QUEUE), k -> new ReentrantLock());
  }

  private static void expunge() {
    for (Reference<?> r; (r = QUEUE.poll()) != null; ) {
      LOCKS.remove((IdentityKey) r);
    }
  }
}
