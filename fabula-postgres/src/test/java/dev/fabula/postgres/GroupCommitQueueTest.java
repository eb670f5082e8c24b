package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link GroupCommit} on its own, with a writer of strings instead of a database: who is written
 * with whom, and that a failing write leaves nobody waiting.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GroupCommitQueueTest {
  /** Writes groups by recording them; holds the first {@link GroupCommit#CONCURRENT_WRITES} writes until released. */
  private static final class Recorder implements GroupCommit.Writer<String, String> {
    final List<List<String>> groups = new CopyOnWriteArrayList<>();
    final CountDownLatch held = new CountDownLatch(GroupCommit.CONCURRENT_WRITES);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean failNext;

    @Override
    public boolean fits(List<String> taken, String next) {
      return !next.startsWith("alone") && taken.size() < 3;
    }

    @Override
    public List<GroupCommit.Outcome<String>> write(List<String> group) {
      if (held.getCount() > 0) {
        held.countDown();
        await(release);
      }
      groups.add(List.copyOf(group));
      if (failNext) {
        throw new IllegalStateException("connection lost");
      }
      return group.stream().map(b -> GroupCommit.Outcome.of(b + " written")).toList();
    }
  }

  private final Recorder recorder = new Recorder();
  private final GroupCommit<String, String> commits = new GroupCommit<>(recorder);
  private final List<Thread> threads = new ArrayList<>();

  @Test
  void batchesQueuedWhileEveryWriteIsBusyAreWrittenInGroupsThatFitInOrder() throws Exception {
    List<FutureTask<String>> busy = holdEveryWrite();
    List<FutureTask<String>> queued = new ArrayList<>();
    for (String b : List.of("a", "b", "c", "d", "alone", "e")) {
      queued.add(submit(b));
    }
    recorder.release.countDown();
    for (FutureTask<String> f : busy) {
      assertThat(f.get(10, TimeUnit.SECONDS)).endsWith(" written");
    }
    assertThat(queued.get(0).get(10, TimeUnit.SECONDS)).isEqualTo("a written");
    for (FutureTask<String> f : queued) {
      assertThat(f.get(10, TimeUnit.SECONDS)).endsWith(" written");
    }
    // Two writes run at once, so groups may be recorded in either order; each group is a run of
    // the queue, taken in order, cut where the next batch does not fit.
    List<List<String>> after = recorder.groups.stream().filter(g -> !g.contains("busy")).toList();
    assertThat(after).containsExactlyInAnyOrder(List.of("a", "b", "c"), List.of("d"), List.of("alone", "e"));
  }

  @Test
  void aFailedWriteFailsEveryBatchOfItsGroupAndLeavesNoneWaiting() throws Exception {
    List<FutureTask<String>> busy = holdEveryWrite();
    List<FutureTask<String>> queued = new ArrayList<>();
    for (String b : List.of("a", "b", "c", "d")) {
      queued.add(submit(b));
    }
    recorder.failNext = true;
    recorder.release.countDown();
    for (FutureTask<String> f : busy) {
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("connection lost");
    }
    for (FutureTask<String> f : queued) {
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("connection lost");
    }
  }

  /**
   * Batches "aggregate@version"; a batch claims its version of its aggregate, and one whose name
   * is in {@link #holds} waits for that latch while written.
   */
  private static final class Versions implements GroupCommit.Writer<String, String> {
    final List<String> written = new CopyOnWriteArrayList<>();
    final java.util.Map<String, CountDownLatch> holds = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);

    @Override
    public boolean fits(List<String> taken, String next) {
      return taken.stream().noneMatch(b -> aggregate(b).equals(aggregate(next)));
    }

    @Override
    public List<GroupCommit.Outcome<String>> write(List<String> group) {
      for (String b : group) {
        CountDownLatch hold = holds.get(b);
        if (hold != null) {
          entered.release();
          await(hold);
        }
      }
      written.addAll(group);
      return group.stream().map(b -> GroupCommit.Outcome.of(b + " written")).toList();
    }

    @Override
    public RuntimeException supersededBy(String written, String waiting) {
      return aggregate(written).equals(aggregate(waiting)) && version(waiting) <= version(written)
          ? new IllegalStateException(waiting + " lost to " + written)
          : null;
    }

    private static String aggregate(String b) {
      return b.substring(0, b.indexOf('@'));
    }

    private static int version(String b) {
      return Integer.parseInt(b.substring(b.indexOf('@') + 1));
    }
  }

  @Test
  void queuedBatchesThatAStoredBatchSupersedesFailAtOnceWithoutBeingWritten() throws Exception {
    var versions = new Versions();
    var group = new GroupCommit<String, String>(versions);
    CountDownLatch releaseOther = new CountDownLatch(1);
    CountDownLatch releaseWinner = new CountDownLatch(1);
    versions.holds.put("other@1", releaseOther);
    versions.holds.put("x@1", releaseWinner);
    // One at a time, so that each is a write of its own: both writes busy, what follows queues.
    FutureTask<String> other = start(() -> group.submit("other@1"));
    assertThat(versions.entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    FutureTask<String> winner = start(() -> group.submit("x@1"));
    assertThat(versions.entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    FutureTask<String> loser = submitTo(group, "x@1");
    FutureTask<String> next = submitTo(group, "x@2");
    FutureTask<String> unrelated = submitTo(group, "y@1");

    releaseWinner.countDown();
    assertThat(winner.get(10, TimeUnit.SECONDS)).isEqualTo("x@1 written");
    assertThatThrownBy(() -> loser.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("x@1 lost to x@1");
    assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("x@2 written");
    assertThat(unrelated.get(10, TimeUnit.SECONDS)).isEqualTo("y@1 written");
    releaseOther.countDown();
    assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo("other@1 written");
    // The loser never reached the writer: one x@1 was written, the winner's.
    assertThat(versions.written).containsOnlyOnce("x@1").contains("x@2", "y@1", "other@1").hasSize(4);
  }

  @Test
  void anErrorOnceAGroupIsOnItsWayTellsEachCallerWhatTheWriterSaysOfAWriteInFlight() throws Exception {
    var writer = new GroupCommit.Writer<String, String>() {
      @Override
      public boolean fits(List<String> taken, String next) {
        return true;
      }

      @Override
      public List<GroupCommit.Outcome<String>> write(List<String> group) {
        throw new StackOverflowError("while reading the reply");
      }

      @Override
      public RuntimeException inFlightFailure(String batch, Throwable error) {
        return new IllegalStateException(batch + " may be stored: " + error.getMessage());
      }
    };
    var group = new GroupCommit<String, String>(writer);
    assertThatThrownBy(() -> group.submit("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a may be stored: while reading the reply");
    // Two callers' batches in one group: each is told about its own.
    group.writes.acquire(GroupCommit.CONCURRENT_WRITES);
    FutureTask<String> b = submitTo(group, "b");
    FutureTask<String> c = submitTo(group, "c");
    group.writes.release(GroupCommit.CONCURRENT_WRITES);
    FutureTask<String> d = start(() -> group.submit("d")); // takes a write and the queue with it
    for (var entry : java.util.Map.of("b", b, "c", c, "d", d).entrySet()) {
      assertThatThrownBy(() -> entry.getValue().get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(entry.getKey() + " may be stored");
    }
  }

  private FutureTask<String> submitTo(GroupCommit<String, String> group, String batch) throws InterruptedException {
    FutureTask<String> task = start(() -> group.submit(batch));
    Thread t = threads.getLast();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as(batch + " queued").isLessThan(deadline);
      Thread.sleep(1);
    }
    return task;
  }

  /** Starts one batch per concurrent write and returns once every write is held. */
  private List<FutureTask<String>> holdEveryWrite() throws InterruptedException {
    List<FutureTask<String>> busy = new ArrayList<>();
    for (int i = 1; i <= GroupCommit.CONCURRENT_WRITES; i++) {
      busy.add(start(() -> commits.submit("busy")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (recorder.held.getCount() > GroupCommit.CONCURRENT_WRITES - i) { // one at a time
        assertThat(System.nanoTime()).as("write " + i + " held").isLessThan(deadline);
        Thread.sleep(1);
      }
    }
    return busy;
  }

  /** Submits {@code batch} from a thread of its own and returns once it waits in the queue. */
  private FutureTask<String> submit(String batch) throws InterruptedException {
    FutureTask<String> task = start(() -> commits.submit(batch));
    Thread t = threads.getLast();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as(batch + " queued").isLessThan(deadline);
      Thread.sleep(1);
    }
    return task;
  }

  private <T> FutureTask<T> start(Callable<T> call) {
    FutureTask<T> task = new FutureTask<>(call);
    threads.add(Thread.ofPlatform().daemon().start(task));
    return task;
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("not released in 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
