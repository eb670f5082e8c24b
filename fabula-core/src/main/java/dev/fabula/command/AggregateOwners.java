package dev.fabula.command;

import dev.fabula.spi.CommandProtocol.Accepted;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Remembers, from the {@link Accepted} events a bus sees, which bus accepted the latest command
 * for each aggregate (the last {@value #MAX_OWNERS} aggregates), so that a dispatcher can prefer
 * that bus: an aggregate's commands then run in one process while it lives, and that process's
 * cache and turn-taking (ADR 0006, 0007) keep working.
 */
final class AggregateOwners {
  /** How many aggregates a bus remembers the owning bus of. */
  static final int MAX_OWNERS = 100_000;

  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock: which bus accepted the latest command for each aggregate, least recently
  // used first, bounded
  private final LinkedHashMap<AggregateTarget, String> owners =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<AggregateTarget, String> eldest) {
          return size() > MAX_OWNERS;
        }
      };

  /** The bus that accepted the latest command for {@code target}, if this bus heard of one. */
  @Nullable String owner(AggregateTarget target) {
    lock.lock();
    try {
      return owners.get(target);
    } finally {
      lock.unlock();
    }
  }

  /** Notes the bus that accepted a command, as the owner of the command's aggregate if it has one. */
  void accepted(Accepted accepted) {
    AggregateTarget target = ProtocolCodec.target(accepted.aggregateName(), accepted.aggregateId());
    if (target != null) {
      lock.lock();
      try {
        owners.put(target, accepted.busId());
      } finally {
        lock.unlock();
      }
    }
  }
}
