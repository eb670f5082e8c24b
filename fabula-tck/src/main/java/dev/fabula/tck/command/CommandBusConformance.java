package dev.fabula.tck.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fabula.ClosedException;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.PayloadException;
import dev.fabula.codec.UnknownNameException;
import dev.fabula.command.AggregateTarget;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandError;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.command.CommandRejectedException;
import dev.fabula.command.CommandReport;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.DispatchTimeoutException;
import dev.fabula.command.DuplicateHandlerException;
import dev.fabula.command.HandlerRegistration;
import dev.fabula.command.NoHandlerException;
import dev.fabula.event.Metadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance suite for {@link CommandBus}es that coordinate over a shared transport (an event
 * bus): every case runs several buses, as separate processes would, on one {@link Transport}.
 *
 * <p>Extend it with a {@link #openTransport()} that returns a fresh transport per test; its buses
 * must encode payloads with a codec whose registry holds {@link #registerCommands} (which includes
 * {@link CommandBuses#registerProtocol}). The suite checks: exactly one of N buses executes each
 * command; the commands for one aggregate run on one bus while it lives; synchronous dispatch
 * returns the handler's error with code, message and details; an
 * assign timeout when no handler takes a command; handler filters; the per-bus concurrency limit;
 * many commands in flight; the dispatcher's fail-fast checks; and that failing or hanging
 * handlers, and handlers or filters that throw an {@link Error}, do not stop a bus.
 *
 * <p>The lifecycle is the suite's: it opens a transport per test, and closes the test's buses and
 * then the transport afterwards; a backend supplies only the transport factory and, through the
 * constructor, how long the suite waits.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class CommandBusConformance {
  /** A command that does work; handlers record it. */
  public static final String WORK = "tck.work";

  /** A second command name, for handlers that hang or fail. */
  public static final String OTHER = "tck.other";

  /** A command name with a registered type but never a handler. */
  public static final String ORPHAN = "tck.orphan";

  /** The payload of every suite command. */
  public record Job(int n, String text) {}

  /** Generous waits for things that must happen; short ones for things that must not. */
  protected static final Duration LONG = Duration.ofSeconds(20);

  /** The assign timeout of dispatches expected to find no handler. */
  protected static final Duration SHORT = Duration.ofMillis(300);

  /** Several buses sharing one transport, as processes sharing one broker would. */
  public interface Transport extends AutoCloseable {
    /** A new bus on this transport. */
    CommandBus newBus(CommandBusOptions options);

    /** Releases the transport (the suite closes the buses first). */
    @Override
    void close();
  }

  /** Registers the suite's command names and the command protocol in {@code registry}. */
  public static CodecRegistry.Builder registerCommands(CodecRegistry.Builder registry) {
    return CommandBuses.registerProtocol(registry)
        .register(WORK, Job.class)
        .register(OTHER, Job.class)
        .register(ORPHAN, Job.class);
  }

  private final Duration patience;
  private @Nullable Transport transport;
  private final List<CommandBus> buses = new ArrayList<>();
  private final CountDownLatch releaseHangs = new CountDownLatch(1);

  /** A suite that waits up to {@link #LONG} for what must happen. */
  protected CommandBusConformance() {
    this(LONG);
  }

  /**
   * A suite that waits up to {@code patience} for something that must happen (a command assigned
   * and executed, a handler starting, all commands executed) before failing. Lengthen it for a
   * transport that carries each protocol message more slowly (several thousand are in flight in
   * one case); shorten it only where a failure is expected anyway.
   */
  protected CommandBusConformance(Duration patience) {
    if (patience.isNegative() || patience.isZero()) {
      throw new IllegalArgumentException("patience must be positive, not " + patience);
    }
    this.patience = patience;
  }

  /** A fresh transport; called once per test, and closed by the suite after the test's buses. */
  protected abstract Transport openTransport();

  /** How long the suite waits for something that must happen. */
  protected final Duration patience() {
    return patience;
  }

  @BeforeEach
  final void openTheTransport() {
    transport = Objects.requireNonNull(openTransport(), "openTransport() returned null");
  }

  @AfterEach
  final void closeEverything() {
    releaseHangs.countDown();
    buses.forEach(CommandBus::close);
    buses.clear();
    if (transport != null) {
      transport.close();
      transport = null;
    }
  }

  /** A bus with default options, closed after the test. */
  protected final CommandBus bus() {
    return bus(CommandBusOptions.defaults());
  }

  /** A bus with {@code options}, closed after the test. */
  protected final CommandBus bus(CommandBusOptions options) {
    CommandBus bus =
        Objects.requireNonNull(transport, "buses exist only while a test runs").newBus(options);
    buses.add(bus);
    return bus;
  }

  private static Command<Job> work(int n) {
    return Command.create(WORK, new Job(n, "job " + n));
  }

  /** A sync dispatch that waits up to the suite's patience to be assigned and executed. */
  private DispatchOptions.Sync sync() {
    return DispatchOptions.sync().withAssignTimeout(patience).withExecutionTimeout(patience);
  }

  /** An async dispatch that waits up to the suite's patience to be assigned. */
  private DispatchOptions.Async async() {
    return DispatchOptions.async().withAssignTimeout(patience);
  }

  // ---- exactly one ----

  @Test
  void exactlyOneOfManyBusesExecutesEachCommand() throws Exception {
    int busCount = 4;
    int commands = 400;
    var executions = new ConcurrentHashMap<UUID, AtomicInteger>();
    var byBus = new ConcurrentHashMap<Integer, AtomicInteger>();
    var all = new ArrayList<CommandBus>();
    for (int b = 0; b < busCount; b++) {
      int index = b;
      CommandBus bus = bus();
      bus.handle(WORK, Job.class, c -> {
        executions.computeIfAbsent(c.id(), id -> new AtomicInteger()).incrementAndGet();
        byBus.computeIfAbsent(index, i -> new AtomicInteger()).incrementAndGet();
      });
      all.add(bus);
    }
    var dispatched = ConcurrentHashMap.<UUID>newKeySet();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var futures = new ArrayList<Future<?>>();
      for (int i = 0; i < commands; i++) {
        Command<Job> command = work(i);
        dispatched.add(command.id());
        CommandBus from = all.get(i % busCount);
        futures.add(pool.submit(() -> from.dispatch(command, sync())));
      }
      for (Future<?> f : futures) {
        f.get(); // a sync dispatch returns after the execution, so the counts are complete
      }
    }
    assertThat(executions.keySet()).isEqualTo(dispatched);
    assertThat(executions.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    assertThat(byBus.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(commands);
  }

  @Test
  void twoBusesInOneProcessMayHandleTheSameNameAndOnlyOneExecutes() {
    var count = new AtomicInteger();
    bus().handle(WORK, Job.class, c -> count.incrementAndGet());
    bus().handle(WORK, Job.class, c -> count.incrementAndGet());
    CommandBus dispatcher = bus();
    for (int i = 0; i < 50; i++) {
      dispatcher.dispatch(work(i), sync());
    }
    assertThat(count).hasValue(50);
  }

  @Test
  void aCommandDispatchedAgainWithItsIdRunsAgain() {
    // Each dispatch is one: a retry with the same id (after a NoHandlerException, or whose outcome
    // is unknown) reaches a handler again, on whichever bus; a handler de-duplicates by id.
    var seen = new java.util.concurrent.CopyOnWriteArrayList<UUID>();
    var open = new java.util.concurrent.atomic.AtomicBoolean();
    bus().handle(WORK, Job.class, c -> open.get(), c -> seen.add(c.id()));
    bus().handle(WORK, Job.class, c -> open.get(), c -> seen.add(c.id()));
    CommandBus dispatcher = bus();
    Command<Job> command = work(1);
    assertThatThrownBy(() -> dispatcher.dispatch(command, DispatchOptions.async().withAssignTimeout(SHORT)))
        .as("every filter declines it at first")
        .isInstanceOf(NoHandlerException.class);
    open.set(true);

    for (int i = 0; i < 3; i++) {
      dispatcher.dispatch(command, sync());
    }

    assertThat(seen).containsExactly(command.id(), command.id(), command.id());
  }

  @Test
  void aBusHoldsOneHandlerPerName() {
    CommandBus bus = bus();
    HandlerRegistration first = bus.handle(WORK, Job.class, c -> {});
    assertThatThrownBy(() -> bus.handle(WORK, Job.class, c -> {}))
        .isInstanceOfSatisfying(
            DuplicateHandlerException.class, e -> assertThat(e.commandName()).isEqualTo(WORK));
    first.close();
    var ran = new AtomicInteger();
    bus.handle(WORK, Job.class, c -> ran.incrementAndGet()); // free again once unregistered
    bus.dispatch(work(1), sync());
    assertThat(ran).hasValue(1);
  }

  @Test
  void commandsForOneAggregateRunOnTheBusThatRanTheFirstWhileItLives() throws Exception {
    // Affinity waits as long as the suite's patience: the owners are alive and free, so they ask
    // at once, and no command needs to fall back to another bus.
    CommandBusOptions options = CommandBusOptions.defaults().withAffinityWait(patience());
    var ranOn = new ConcurrentHashMap<UUID, Set<Integer>>();
    for (int b = 0; b < 3; b++) {
      int index = b;
      bus(options).handle(WORK, Job.class, c ->
          ranOn.computeIfAbsent(c.aggregate().orElseThrow().id(), id -> ConcurrentHashMap.newKeySet()).add(index));
    }
    CommandBus dispatcher = bus(options);
    List<UUID> aggregates = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    for (UUID id : aggregates) {
      dispatcher.dispatch(work(0).forAggregate("thing", id), sync()); // this one may go anywhere
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var futures = new ArrayList<Future<?>>();
      for (int i = 1; i <= 15; i++) {
        for (UUID id : aggregates) {
          Command<Job> command = work(i).forAggregate("thing", id);
          futures.add(pool.submit(() -> dispatcher.dispatch(command, sync())));
        }
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    for (UUID id : aggregates) {
      assertThat(ranOn.get(id)).as("the buses that ran commands for " + id).hasSize(1);
    }
  }

  // ---- sync and async ----

  @Test
  void syncDispatchRethrowsTheHandlersErrorWithCodeMessageAndDetails() {
    bus().handle(WORK, Job.class, c -> {
      throw new CommandRejectedException(
          "job.rejected", "job " + c.payload().n() + " is not allowed", Map.of("n", "" + c.payload().n()));
    });
    CommandBus dispatcher = bus();
    Command<Job> command = work(7);

    var e = catchThrowableOfType(CommandExecutionException.class, () -> dispatcher.dispatch(command, sync()));

    assertThat(e.code()).isEqualTo("job.rejected");
    assertThat(e.getMessage()).isEqualTo("job 7 is not allowed");
    assertThat(e.details()).isEqualTo(Map.of("n", "7"));
    assertThat(e.commandId()).isEqualTo(command.id());
    assertThat(e.commandName()).isEqualTo(WORK);
  }

  @Test
  void anUnexpectedExceptionReachesTheCallerAsUnexpectedWithItsMessage() {
    bus().handle(WORK, Job.class, c -> {
      throw new IllegalStateException("disk full");
    });
    var e = catchThrowableOfType(CommandExecutionException.class, () -> bus().dispatch(work(1), sync()));
    assertThat(e.code()).isEqualTo(CommandError.UNEXPECTED);
    assertThat(e.getMessage()).isEqualTo("disk full");
    assertThat(e.details()).containsEntry(CommandError.EXCEPTION_DETAIL, IllegalStateException.class.getName());
  }

  @Test
  void asyncDispatchReturnsOnceAcceptedWhileTheHandlerStillRuns() throws Exception {
    var started = new CountDownLatch(1);
    var finish = new CountDownLatch(1);
    var finished = new CountDownLatch(1);
    bus().handle(WORK, Job.class, c -> {
      started.countDown();
      finish.await();
      finished.countDown();
    });

    boundedly(() -> bus().dispatch(work(1), async())); // returns although the handler is blocked

    assertThat(started.await(patience().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(finished.getCount()).isEqualTo(1);
    finish.countDown();
    assertThat(finished.await(patience().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
  }

  @Test
  void aHandlerSeesTheCommandWithItsTargetAndMetadata() {
    var seen = new ConcurrentHashMap<String, Command<Job>>();
    bus().handle(WORK, Job.class, c -> seen.put("it", c));
    UUID productId = UUID.randomUUID();
    Command<Job> command =
        work(3).forAggregate("product", productId)
            .withMetadata(Metadata.of("tenant", "acme"))
            .withCorrelationId("corr-1");

    bus().dispatch(command, sync());

    Command<Job> received = seen.get("it");
    assertThat(received).isEqualTo(command);
    assertThat(received.aggregate()).contains(new AggregateTarget("product", productId));
    assertThat(received.metadata().correlationId()).contains("corr-1");
    assertThat(received.metadata().get("tenant")).contains("acme");
  }

  @Test
  void theReporterReceivesEachOutcomeAndRuntime() throws Exception {
    var reports = new ConcurrentHashMap<UUID, CommandReport>();
    var two = new CountDownLatch(2);
    CommandBus handler =
        bus(CommandBusOptions.defaults().withReporter(r -> {
          reports.put(r.command().id(), r);
          two.countDown();
        }));
    handler.handle(WORK, Job.class, c -> {
      if (c.payload().n() == 2) {
        throw new CommandRejectedException("two", "no twos");
      }
    });
    Command<Job> ok = work(1);
    Command<Job> bad = work(2);
    CommandBus dispatcher = bus();
    dispatcher.dispatch(ok, sync());
    assertThatThrownBy(() -> dispatcher.dispatch(bad, sync())).isInstanceOf(CommandExecutionException.class);

    assertThat(two.await(patience().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(reports.get(ok.id()).succeeded()).isTrue();
    assertThat(reports.get(ok.id()).runtime().isNegative()).isFalse();
    assertThat(reports.get(bad.id()).failure()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("two"));
  }

  // ---- no handler, filters ----

  @Test
  void noHandlerWithinTheAssignTimeoutIsANoHandlerExceptionNamingTheCommand() {
    bus().handle(WORK, Job.class, c -> {}); // a handler for another name does not help
    Command<Job> command = Command.create(ORPHAN, new Job(1, "x"));

    var e =
        catchThrowableOfType(
            NoHandlerException.class,
            () -> bus().dispatch(command, DispatchOptions.sync().withAssignTimeout(SHORT)));

    assertThat(e.commandName()).isEqualTo(ORPHAN);
    assertThat(e.commandId()).isEqualTo(command.id());
    assertThat(e.getMessage()).contains(ORPHAN);
  }

  @Test
  void filtersRouteEachCommandToABusThatAcceptsIt() {
    var evenSeen = ConcurrentHashMap.<Integer>newKeySet();
    var oddSeen = ConcurrentHashMap.<Integer>newKeySet();
    bus().handle(WORK, Job.class, c -> c.payload().n() % 2 == 0, c -> evenSeen.add(c.payload().n()));
    bus().handle(WORK, Job.class, c -> c.payload().n() % 2 == 1, c -> oddSeen.add(c.payload().n()));
    CommandBus dispatcher = bus();
    for (int i = 0; i < 40; i++) {
      dispatcher.dispatch(work(i), sync());
    }
    assertThat(evenSeen).hasSize(20).allSatisfy(n -> assertThat(n % 2).isZero());
    assertThat(oddSeen).hasSize(20).allSatisfy(n -> assertThat(n % 2).isOne());
  }

  @Test
  void aCommandEveryFilterDeclinesGetsNoHandler() {
    var ran = new AtomicInteger();
    bus().handle(WORK, Job.class, c -> c.payload().n() < 10, c -> ran.incrementAndGet());
    assertThatThrownBy(() -> bus().dispatch(work(99), DispatchOptions.async().withAssignTimeout(SHORT)))
        .isInstanceOf(NoHandlerException.class);
    assertThat(ran).hasValue(0);
  }

  // ---- concurrency ----

  @Test
  void aBusRunsAtMostItsConcurrencyAndTakesNoCommandItCannotStart() throws Exception {
    var running = new AtomicInteger();
    var maxRunning = new AtomicInteger();
    var done = ConcurrentHashMap.<Integer>newKeySet();
    var gate = new CountDownLatch(1);
    CommandBus handler = bus(CommandBusOptions.defaults().withConcurrency(2));
    handler.handle(WORK, Job.class, c -> {
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        gate.await();
      } finally {
        running.decrementAndGet();
        done.add(c.payload().n());
      }
    });
    CommandBus dispatcher = bus();
    boundedly(() -> dispatcher.dispatch(work(1), async()));
    boundedly(() -> dispatcher.dispatch(work(2), async()));
    awaitCondition(() -> running.get() == 2, "two handlers running");

    // Both slots are taken: nobody may accept a third command.
    assertThatThrownBy(() -> dispatcher.dispatch(work(3), DispatchOptions.async().withAssignTimeout(SHORT)))
        .isInstanceOf(NoHandlerException.class);

    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var later = new ArrayList<Future<?>>();
      for (int i = 4; i < 10; i++) {
        Command<Job> command = work(i);
        later.add(pool.submit(() -> dispatcher.dispatch(command, sync())));
      }
      gate.countDown();
      for (Future<?> f : later) {
        f.get();
      }
    }
    awaitCondition(() -> done.size() == 8, "the two async commands finished");
    assertThat(done).containsExactlyInAnyOrder(1, 2, 4, 5, 6, 7, 8, 9); // never 3
    assertThat(maxRunning.get()).isLessThanOrEqualTo(2);
  }

  @Test
  void manyCommandsInFlightAreEachExecutedOnce() throws Exception {
    int commands = 2_000;
    var executions = new ConcurrentHashMap<UUID, AtomicInteger>();
    var all = new ArrayList<CommandBus>();
    for (int b = 0; b < 3; b++) {
      CommandBus bus = bus(CommandBusOptions.defaults().withConcurrency(8));
      bus.handle(WORK, Job.class, c ->
          executions.computeIfAbsent(c.id(), id -> new AtomicInteger()).incrementAndGet());
      all.add(bus);
    }
    var ids = ConcurrentHashMap.<UUID>newKeySet();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var futures = new ArrayList<Future<?>>();
      for (int i = 0; i < commands; i++) {
        Command<Job> command = work(i);
        ids.add(command.id());
        CommandBus from = all.get(i % all.size());
        DispatchOptions options = i % 2 == 0 ? async() : sync();
        futures.add(pool.submit(() -> from.dispatch(command, options)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    // async dispatches may still be running: wait until every command has executed
    awaitCondition(() -> executions.size() == commands, "all commands executed");
    assertThat(executions.keySet()).isEqualTo(ids);
    assertThat(executions.values()).allSatisfy(count -> assertThat(count).hasValue(1));
  }

  // ---- bad input and faults ----

  @Test
  void anUnregisteredCommandNameFailsAtTheDispatcher() {
    var ran = new AtomicInteger();
    bus().handle(WORK, Job.class, c -> ran.incrementAndGet());
    assertThatThrownBy(() -> bus().dispatch(Command.create("tck.unregistered", new Job(1, "x")), sync()))
        .isInstanceOfSatisfying(
            UnknownNameException.class, e -> assertThat(e.name()).isEqualTo("tck.unregistered"));
    assertThat(ran).hasValue(0);
  }

  @Test
  void aPayloadThatDoesNotFitItsNameFailsAtTheDispatcher() {
    var ran = new AtomicInteger();
    bus().handle(WORK, Job.class, c -> ran.incrementAndGet());
    assertThatThrownBy(() -> bus().dispatch(Command.create(WORK, "not a job"), sync()))
        .isInstanceOfSatisfying(PayloadException.class, e -> assertThat(e.name()).isEqualTo(WORK));
    assertThat(ran).hasValue(0);
  }

  @Test
  void handlingAnUnregisteredNameFailsAtRegistration() {
    assertThatThrownBy(() -> bus().handle("tck.unregistered", Job.class, c -> {}))
        .isInstanceOf(UnknownNameException.class);
  }

  @Test
  void aHandlerThatThrowsDoesNotStopTheBus() {
    var ok = new AtomicInteger();
    bus().handle(WORK, Job.class, c -> {
      if (c.payload().n() % 2 == 0) {
        throw new IllegalArgumentException("even " + c.payload().n());
      }
      ok.incrementAndGet();
    });
    CommandBus dispatcher = bus();
    for (int i = 0; i < 10; i++) {
      int n = i;
      if (n % 2 == 0) {
        assertThatThrownBy(() -> dispatcher.dispatch(work(n), sync()))
            .isInstanceOf(CommandExecutionException.class)
            .hasMessage("even " + n);
      } else {
        dispatcher.dispatch(work(n), sync());
      }
    }
    assertThat(ok).hasValue(5);
  }

  @Test
  void aHandlerThatThrowsAnErrorReachesTheCallerAndTheBusKeepsServing() {
    var calls = new AtomicInteger();
    bus(CommandBusOptions.defaults().withConcurrency(1)).handle(WORK, Job.class, c -> {
      if (calls.incrementAndGet() == 1) {
        throw new AssertionError("handler assertion");
      }
    });
    CommandBus dispatcher = bus();

    var e = catchThrowableOfType(CommandExecutionException.class, () -> dispatcher.dispatch(work(1), sync()));

    assertThat(e.code()).isEqualTo(CommandError.UNEXPECTED);
    assertThat(e.details()).containsEntry(CommandError.EXCEPTION_DETAIL, AssertionError.class.getName());
    dispatcher.dispatch(work(2), sync()); // its only slot was freed
    assertThat(calls).hasValue(2);
  }

  @Test
  void aFilterThatThrowsAnErrorDeclinesTheCommandAndTheBusKeepsServing() {
    var ranOnFailing = ConcurrentHashMap.<Integer>newKeySet();
    var ranOnEven = ConcurrentHashMap.<Integer>newKeySet();
    bus().handle(
        WORK,
        Job.class,
        c -> {
          if (c.payload().n() % 2 == 0) {
            throw new AssertionError("filter broke on " + c.payload().n());
          }
          return true;
        },
        c -> ranOnFailing.add(c.payload().n()));
    bus().handle(WORK, Job.class, c -> c.payload().n() % 2 == 0, c -> ranOnEven.add(c.payload().n()));
    CommandBus dispatcher = bus();

    for (int i = 0; i < 10; i++) {
      dispatcher.dispatch(work(i), sync()); // odd ones only the failing bus can take
    }

    assertThat(ranOnEven).containsExactlyInAnyOrder(0, 2, 4, 6, 8);
    assertThat(ranOnFailing).containsExactlyInAnyOrder(1, 3, 5, 7, 9);
  }

  @Test
  void aHandlerThatNeverReturnsTimesOutTheSyncDispatchAndTheBusKeepsServing() {
    CommandBus handler = bus();
    var hanging = new CountDownLatch(1);
    handler.handle(OTHER, Job.class, c -> {
      hanging.countDown();
      releaseHangs.await(); // released after the test
    });
    var ran = new AtomicInteger();
    handler.handle(WORK, Job.class, c -> ran.incrementAndGet());
    CommandBus dispatcher = bus();
    Command<Job> hang = Command.create(OTHER, new Job(0, "hang"));

    var e =
        catchThrowableOfType(
            DispatchTimeoutException.class,
            () -> boundedly(() -> dispatcher.dispatch(
                hang, DispatchOptions.sync().withAssignTimeout(patience).withExecutionTimeout(SHORT))));

    assertThat(e.stage()).isEqualTo(DispatchTimeoutException.Stage.EXECUTION);
    assertThat(e.commandId()).isEqualTo(hang.id());
    assertThat(hanging.getCount()).isZero();
    for (int i = 0; i < 5; i++) {
      dispatcher.dispatch(work(i), sync());
    }
    assertThat(ran).hasValue(5);
  }

  @Test
  void aClosedBusRejectsDispatchAndRegistration() {
    CommandBus bus = bus();
    bus.close();
    bus.close(); // idempotent
    assertThatThrownBy(() -> bus.dispatch(work(1), sync())).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> bus.handle(WORK, Job.class, c -> {})).isInstanceOf(ClosedException.class);
  }

  @Test
  void aClosedBusNoLongerTakesCommandsWhileOthersDo() {
    var closedRan = new AtomicInteger();
    var openRan = new AtomicInteger();
    CommandBus closing = bus();
    closing.handle(WORK, Job.class, c -> closedRan.incrementAndGet());
    bus().handle(WORK, Job.class, c -> openRan.incrementAndGet());
    closing.close();
    CommandBus dispatcher = bus();
    for (int i = 0; i < 20; i++) {
      dispatcher.dispatch(work(i), sync());
    }
    assertThat(closedRan).hasValue(0);
    assertThat(openRan).hasValue(20);
  }

  @Test
  void closingABusFailsItsWaitingDispatches() throws Exception {
    var started = new CountDownLatch(1);
    bus().handle(OTHER, Job.class, c -> {
      started.countDown();
      releaseHangs.await();
    });
    CommandBus dispatcher = bus();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> waiting =
          pool.submit(() -> dispatcher.dispatch(Command.create(OTHER, new Job(1, "x")), sync()));
      assertThat(started.await(patience().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      dispatcher.close();
      try {
        assertThatThrownBy(() -> waiting.get(patience().toMillis(), TimeUnit.MILLISECONDS))
            .hasCauseInstanceOf(ClosedException.class);
      } finally {
        releaseHangs.countDown(); // lets the pool close even when the bus is broken
      }
    }
  }

  /**
   * Runs {@code dispatch} on another thread and rethrows what it throws, failing when it takes
   * longer than {@link #patience()}: for calls that must end by their own short timeout.
   */
  protected final void boundedly(Runnable dispatch) {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> call = pool.submit(dispatch);
      // The dispatch's own timeouts are at most the patience: a little longer, and a dispatch that
      // honours them has ended.
      Duration bound = patience().plus(SHORT);
      try {
        call.get(bound.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new AssertionError(e.getCause());
      } catch (java.util.concurrent.TimeoutException e) {
        call.cancel(true);
        throw new AssertionError("the dispatch did not end within " + bound, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Waits until {@code condition} holds, failing after {@link #patience()}. */
  protected final void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + patience().toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(2);
    }
  }

  /** The names the suite's codec must know. */
  public static Set<String> commandNames() {
    return Set.of(WORK, OTHER, ORPHAN);
  }
}
