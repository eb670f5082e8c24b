package dev.fabula.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fabula.ClosedException;
import dev.fabula.codec.PayloadException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InProcessCommandBusTest {
  record Job(int n) {}

  private static final Duration SHORT = Duration.ofMillis(200);
  private static final long LONG_MS = 10_000;

  private final CountDownLatch release = new CountDownLatch(1);
  private final CommandBus bus = CommandBuses.inProcess(CommandBusOptions.defaults().withConcurrency(2));

  @AfterEach
  void close() {
    release.countDown();
    bus.close();
  }

  @Test
  void syncDispatchRunsTheHandlerWithTheSameObjectsAndReturnsAfterIt() {
    var seen = new AtomicReference<Command<Job>>();
    bus.handle("job", Job.class, seen::set);
    Command<Job> command = Command.create("job", new Job(1));

    bus.dispatch(command, DispatchOptions.sync());

    assertThat(seen.get()).isSameAs(command); // no encoding in-process
  }

  @Test
  void syncDispatchRethrowsTheFailureWithCodeDetailsAndTheOriginalCause() {
    var rejection = new CommandRejectedException("job.bad", "bad job", Map.of("n", "1"));
    bus.handle("job", Job.class, c -> {
      throw rejection;
    });

    var e =
        catchThrowableOfType(
            CommandExecutionException.class,
            () -> bus.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync()));

    assertThat(e.code()).isEqualTo("job.bad");
    assertThat(e.getMessage()).isEqualTo("bad job");
    assertThat(e.details()).isEqualTo(Map.of("n", "1"));
    assertThat(e.getCause()).isSameAs(rejection);
  }

  @Test
  void asyncDispatchReturnsWhileTheHandlerRuns() throws Exception {
    var finished = new CountDownLatch(1);
    bus.handle("job", Job.class, c -> {
      release.await();
      finished.countDown();
    });
    bus.dispatch(Command.create("job", new Job(1)), DispatchOptions.async());
    assertThat(finished.getCount()).isOne();
    release.countDown();
    assertThat(finished.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();
  }

  @Test
  void noHandlerFailsAtOnceNamingTheCommandAndSayingWhatHappened() {
    assertThatThrownBy(() -> bus.dispatch(Command.create("nobody", new Job(1)), DispatchOptions.sync()))
        .isInstanceOfSatisfying(
            NoHandlerException.class,
            e -> {
              assertThat(e.commandName()).isEqualTo("nobody");
              assertThat(e.timeout()).isEqualTo(Duration.ZERO); // it did not wait
              assertThat(e.getMessage())
                  .contains("this in-process bus has no handler for 'nobody'")
                  .contains("did not wait")
                  .doesNotContain("event bus")
                  .doesNotContain(" ms");
            });
  }

  @Test
  void aDeclinedOrMistypedCommandIsNotRun() {
    var ran = new AtomicInteger();
    bus.handle("job", Job.class, c -> c.payload().n() > 0, c -> ran.incrementAndGet());
    assertThatThrownBy(() -> bus.dispatch(Command.create("job", new Job(0)), DispatchOptions.sync()))
        .isInstanceOfSatisfying(
            NoHandlerException.class,
            e -> {
              assertThat(e.getMessage()).contains("filter").doesNotContain("event bus");
              assertThat(e.timeout()).isEqualTo(Duration.ZERO);
            });
    assertThatThrownBy(() -> bus.dispatch(Command.create("job", "text"), DispatchOptions.sync()))
        .isInstanceOf(PayloadException.class);
    assertThat(ran).hasValue(0);
  }

  @Test
  void atMostConcurrencyHandlersRunAndABusyBusGivesNoHandlerAfterTheAssignTimeout() throws Exception {
    var running = new CountDownLatch(2);
    bus.handle("job", Job.class, c -> {
      running.countDown();
      release.await();
    });
    bus.dispatch(Command.create("job", new Job(1)), DispatchOptions.async());
    bus.dispatch(Command.create("job", new Job(2)), DispatchOptions.async());
    assertThat(running.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();

    assertThatThrownBy(
            () -> bus.dispatch(Command.create("job", new Job(3)), DispatchOptions.async().withAssignTimeout(SHORT)))
        .isInstanceOf(NoHandlerException.class)
        .hasMessageContaining("all 2 handler slots of this in-process bus stayed busy")
        .hasMessageContaining("assign timeout of " + SHORT.toMillis() + " ms")
        .hasMessageNotContaining("event bus");
  }

  @Test
  void aHandlerThatThrowsAnErrorIsReportedAndFreesItsSlot() throws Exception {
    var reports = new java.util.concurrent.LinkedBlockingQueue<CommandReport>();
    try (CommandBus single =
        CommandBuses.inProcess(CommandBusOptions.defaults().withConcurrency(1).withReporter(reports::add))) {
      var calls = new AtomicInteger();
      single.handle("job", Job.class, c -> {
        if (calls.incrementAndGet() == 1) {
          throw new StackOverflowError("deep");
        }
      });
      single.dispatch(Command.create("job", new Job(1)), DispatchOptions.async()); // its own thread

      CommandReport first = reports.poll(LONG_MS, TimeUnit.MILLISECONDS);
      assertThat(first).isNotNull();
      assertThat(first.failure())
          .hasValueSatisfying(e -> assertThat(e.details())
              .containsEntry(CommandError.EXCEPTION_DETAIL, StackOverflowError.class.getName()));
      single.dispatch(Command.create("job", new Job(2)), DispatchOptions.sync()); // the slot is free
      assertThat(calls).hasValue(2);
    }
  }

  @Test
  void aHangingHandlerTimesOutTheSyncCallerAndTheBusKeepsServing() {
    var ran = new AtomicInteger();
    bus.handle("hang", Job.class, c -> release.await());
    bus.handle("job", Job.class, c -> ran.incrementAndGet());

    assertThatThrownBy(
            () -> bus.dispatch(Command.create("hang", new Job(1)), DispatchOptions.sync().withExecutionTimeout(SHORT)))
        .isInstanceOfSatisfying(
            DispatchTimeoutException.class,
            e -> assertThat(e.stage()).isEqualTo(DispatchTimeoutException.Stage.EXECUTION));
    bus.dispatch(Command.create("job", new Job(2)), DispatchOptions.sync());
    assertThat(ran).hasValue(1);
  }

  @Test
  void aThrowingHandlerDoesNotStopTheBus() {
    var calls = new AtomicInteger();
    bus.handle("job", Job.class, c -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("first fails");
      }
    });
    assertThatThrownBy(() -> bus.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync()))
        .isInstanceOf(CommandExecutionException.class)
        .hasMessage("first fails");
    bus.dispatch(Command.create("job", new Job(2)), DispatchOptions.sync());
    assertThat(calls).hasValue(2);
  }

  @Test
  void oneHandlerPerNameAndNothingAfterClose() {
    bus.handle("job", Job.class, c -> {});
    assertThatThrownBy(() -> bus.handle("job", Job.class, c -> {})).isInstanceOf(DuplicateHandlerException.class);
    bus.close();
    assertThatThrownBy(() -> bus.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync()))
        .isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> bus.handle("other", Job.class, c -> {})).isInstanceOf(ClosedException.class);
  }

  @Test
  void theReporterGetsTheOutcome() throws Exception {
    var report = new AtomicReference<CommandReport>();
    var reported = new CountDownLatch(1);
    try (CommandBus reporting =
        CommandBuses.inProcess(CommandBusOptions.defaults().withReporter(r -> {
          report.set(r);
          reported.countDown();
        }))) {
      reporting.handle("job", Job.class, c -> {
        throw new CommandRejectedException("no", "never");
      });
      Command<Job> command = Command.create("job", new Job(1));
      assertThatThrownBy(() -> reporting.dispatch(command, DispatchOptions.sync()))
          .isInstanceOf(CommandExecutionException.class);
      assertThat(reported.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();
      assertThat(report.get().command()).isSameAs(command);
      assertThat(report.get().failure()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("no"));
    }
  }

  @Nested
  class CallerRuns {
    private final CommandBus callerRuns =
        CommandBuses.inProcess(CommandBusOptions.defaults().withConcurrency(2).withCallerRuns(true));

    @AfterEach
    void closeIt() {
      release.countDown();
      callerRuns.close();
    }

    @Test
    void syncDispatchRunsTheHandlerOnTheDispatchingThreadOnlyWithTheOption() {
      var ranOn = new AtomicReference<Thread>();
      callerRuns.handle("job", Job.class, c -> ranOn.set(Thread.currentThread()));
      bus.handle("job", Job.class, c -> ranOn.set(Thread.currentThread()));

      callerRuns.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync());
      assertThat(ranOn.get()).isSameAs(Thread.currentThread());

      bus.dispatch(Command.create("job", new Job(2)), DispatchOptions.sync());
      assertThat(ranOn.get()).isNotNull().isNotSameAs(Thread.currentThread());
    }

    @Test
    void aFailureReachesTheCallerAsInTheDefaultMode() {
      var rejection = new CommandRejectedException("job.bad", "bad job", Map.of("n", "1"));
      CommandHandler<Job> failing = c -> {
        throw rejection;
      };
      callerRuns.handle("job", Job.class, failing);
      bus.handle("job", Job.class, failing);

      var here =
          catchThrowableOfType(
              CommandExecutionException.class,
              () -> callerRuns.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync()));
      var there =
          catchThrowableOfType(
              CommandExecutionException.class,
              () -> bus.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync()));

      assertThat(here.code()).isEqualTo(there.code()).isEqualTo("job.bad");
      assertThat(here.getMessage()).isEqualTo(there.getMessage()).isEqualTo("bad job");
      assertThat(here.details()).isEqualTo(there.details()).isEqualTo(Map.of("n", "1"));
      assertThat(here.getCause()).isSameAs(rejection);
      assertThat(here.commandName()).isEqualTo("job");
    }

    @Test
    void asyncDispatchStillRunsTheHandlerOnAnotherThread() throws Exception {
      var ranOn = new AtomicReference<Thread>();
      var ran = new CountDownLatch(1);
      callerRuns.handle("job", Job.class, c -> {
        ranOn.set(Thread.currentThread());
        ran.countDown();
      });

      callerRuns.dispatch(Command.create("job", new Job(1)), DispatchOptions.async());

      assertThat(ran.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();
      assertThat(ranOn.get()).isNotSameAs(Thread.currentThread());
    }

    @Test
    void theConcurrencyLimitStillAppliesToHandlersRunByCallers() throws Exception {
      var started = new CountDownLatch(1);
      var ranOn = new AtomicReference<Thread>();
      var calls = new AtomicInteger();
      try (CommandBus single =
              CommandBuses.inProcess(CommandBusOptions.defaults().withConcurrency(1).withCallerRuns(true));
          ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        single.handle("job", Job.class, c -> {
          calls.incrementAndGet();
          if (c.payload().n() == 1) {
            ranOn.set(Thread.currentThread());
            started.countDown();
            release.await();
          }
        });
        var first = new AtomicReference<Thread>();
        Future<?> blocked =
            pool.submit(() -> {
              first.set(Thread.currentThread());
              single.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync());
            });
        try {
          assertThat(started.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();

          assertThatThrownBy(
                  () -> single.dispatch(
                      Command.create("job", new Job(2)), DispatchOptions.sync().withAssignTimeout(SHORT)))
              .isInstanceOf(NoHandlerException.class)
              .hasMessageContaining("busy");
        } finally {
          release.countDown(); // also when an assertion failed, so that the pool can close
        }
        blocked.get(LONG_MS, TimeUnit.MILLISECONDS);
        assertThat(ranOn.get()).isSameAs(first.get());
        single.dispatch(Command.create("job", new Job(3)), DispatchOptions.sync()); // the slot is free again
        assertThat(calls).hasValue(2); // never job 2
      }
    }

    @Test
    void aHandlerThatRunsPastTheExecutionTimeoutStillReturnsItsResult() {
      var finished = new AtomicInteger();
      Duration timeout = Duration.ofMillis(1);
      callerRuns.handle("slow", Job.class, c -> {
        // Run until the execution timeout has certainly passed (no guess at how long is enough).
        long start = System.nanoTime();
        while (System.nanoTime() - start <= 2 * timeout.toNanos()) {
          Thread.onSpinWait();
        }
        finished.incrementAndGet();
      });

      callerRuns.dispatch(Command.create("slow", new Job(1)), DispatchOptions.sync().withExecutionTimeout(timeout));

      assertThat(finished).hasValue(1);
    }

    @Test
    void closingLetsAStartedHandlerFinishAndRejectsLaterDispatches() throws Exception {
      var started = new CountDownLatch(1);
      var finished = new AtomicInteger();
      callerRuns.handle("job", Job.class, c -> {
        started.countDown();
        release.await();
        finished.incrementAndGet();
      });
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<?> running =
            pool.submit(() -> callerRuns.dispatch(Command.create("job", new Job(1)), DispatchOptions.sync()));
        try {
          assertThat(started.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();
          callerRuns.close();
        } finally {
          release.countDown();
        }

        running.get(LONG_MS, TimeUnit.MILLISECONDS); // no ClosedException: it had started
        assertThat(finished).hasValue(1);
      }
      assertThatThrownBy(() -> callerRuns.dispatch(Command.create("job", new Job(2)), DispatchOptions.sync()))
          .isInstanceOf(ClosedException.class);
    }
  }
}
