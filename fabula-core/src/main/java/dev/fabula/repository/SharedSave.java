package dev.fabula.repository;

import dev.fabula.event.Event;
import dev.fabula.snapshot.Snapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * The changes of consecutive {@code use} calls on one aggregate that are saved in one insert
 * (ADR 0009). Lives on the aggregate's {@link Turns.Turn} while it is open. Its fields are written
 * only by the thread holding that turn's lock; the uses that joined and gave the turn up read the
 * outcome after {@link #done} opens, which orders those reads after the writes.
 *
 * <p>Each use restores its own aggregate from {@link #state}, the state after the uses before
 * it, so a use whose action throws leaves nothing behind.
 */
final class SharedSave {
  /** At most this many events go into one shared insert; the use that reaches it saves at once. */
  static final int MAX_EVENTS = 512;

  /**
   * How often a use that joined and gave up the turn checks that somebody will still save: it
   * takes the turn back and saves itself when it finds the turn free and the save not run.
   */
  static final Duration CHECK_EVERY = Duration.ofMillis(10);

  /** The committed version the first use started from. */
  final int baseVersion;
  /** Every joined use's events, in the order they acted, metadata already merged. */
  final List<Event<?>> events = new ArrayList<>();
  /** The state after the last joined use; null when it cannot be handed on (see {@link #sealed}). */
  @Nullable Snapshot state;
  /** No further use may join: the last one deleted the aggregate or gave no state. */
  boolean sealed;
  /** Whether the insert ran; set before it starts, so nothing joins a save in flight. */
  boolean saved;
  /** Why the insert failed; null when it succeeded or has not run. */
  @Nullable RuntimeException failure;
  /** Opens once the insert ran (or failed). */
  final CountDownLatch done = new CountDownLatch(1);

  SharedSave(int baseVersion) {
    this.baseVersion = baseVersion;
  }

  /** Adds one use's events and the state they lead to (null: nobody can continue from it). */
  void join(List<Event<?>> changes, @Nullable Snapshot after) {
    events.addAll(changes);
    state = after;
    sealed |= after == null || events.size() >= MAX_EVENTS;
  }
}
