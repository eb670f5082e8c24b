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
