package dev.fabula.projection;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps a schedule's latest dead letters, at most {@value #CAPACITY}, dropping the oldest: safe to
 * add to from every job thread while {@link Schedule#deadLetters()} reads them.
 */
final class DeadLetters {
  static final int CAPACITY = 10_000;

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<DeadLetter> letters = new ArrayDeque<>();

  void add(DeadLetter letter) {
    lock.lock();
    try {
      if (letters.size() == CAPACITY) {
        letters.removeFirst();
      }
      letters.addLast(letter);
    } finally {
      lock.unlock();
    }
  }

  /** The letters kept, oldest first. */
  List<DeadLetter> snapshot() {
    lock.lock();
    try {
      return List.copyOf(letters);
    } finally {
      lock.unlock();
    }
  }
}
