package dev.fabula.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.Metadata;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.memory.InMemory;
import dev.fabula.spi.CommandProtocol;
import dev.fabula.spi.CommandProtocol.Assigned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the conformance kit cannot set up: a bus that closes between being assigned a command and
 * seeing the assignment, and an event bus that watches what the command bus lets escape.
 */
@Timeout(60)
class DistributedCommandBusTest {
  record Job(int n) {}

  private static final long LONG_MS = 20_000;
  /**
   * A deadline a test waits out when things go right: long enough for a loaded two-core machine
   * to do what must happen before it, short enough to keep the suite quick.
   */
  private static final long SHORT_MS = 2_000;
  private static final TestCodec CODEC =
      new TestCodec(CommandProtocol.register(CodecRegistry.builder()).register("job", Job.class).build());

  private final EventBus events = InMemory.eventBus();
  private final List<CommandBus> buses = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

  @AfterEach
  void closeAll() {
    release.countDown();
    buses.forEach(CommandBus::close);
    pool.close();
    events.close();
  }

  private CommandBus bus(EventBus over, CommandBusOptions options) {
    CommandBus bus = CommandBuses.distributed(over, CODEC, options);
    buses.add(bus);
    return bus;
  }

  private static DispatchOptions.Sync sync(Duration assign) {
    return DispatchOptions.sync().withAssignTimeout(assign).withExecutionTimeout(Duration.ofMillis(LONG_MS));
  }

  /**
   * The shared event bus as one bus sees it, except that the assignments {@code hide} selects never
   * reach that bus: to it, they are still on their way when it closes. Each hidden one releases a
   * permit of {@link #hidden}.
   */
  private final class HidingAssignments implements EventBus {
    final Semaphore hidden = new Semaphore(0);
    private final Predicate<Assigned> hide;

    HidingAssignments(Predicate<Assigned> hide) {
      this.hide = hide;
    }

    @Override
    public void publish(List<? extends Event<?>> list) {
      events.publish(list);
    }

    @Override
    public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
      return events.subscribe(
          names,
          e -> {
            if (e.data() instanceof Assigned a && !a.busId().isEmpty() && hide.test(a)) {
              hidden.release();
              return;
            }
            handler.handle(e);
          },
          options);
    }

    @Override
    public void close() {}
  }

  @Test
  void closingAHandlerBusGivesBackTheCommandsAssignedToItAndAnotherBusRunsThem() throws Exception {
    Command<Job> first = Command.create("job", new Job(0));
    var viewOfA = new HidingAssignments(a -> !a.commandId().equals(first.id()));
    CommandBus a = bus(viewOfA, CommandBusOptions.defaults());
    var ranOnA = new CopyOnWriteArrayList<Integer>();
    var firstStarted = new CountDownLatch(1);
    a.handle("job", Job.class, c -> {
      ranOnA.add(c.payload().n());
      firstStarted.countDown();
      release.await(); // the first command is running on A while A closes
    });
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());
    dispatcher.dispatch(first, DispatchOptions.async().withAssignTimeout(Duration.ofMillis(LONG_MS)));
    assertThat(firstStarted.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();

    List<Future<?>> inFlight = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      Command<Job> command = Command.create("job", new Job(n));
      inFlight.add(pool.submit(() -> dispatcher.dispatch(command, sync(Duration.ofMillis(LONG_MS)))));
    }
    // All three are assigned to A, the only bus with a handler, and A has not seen it yet.
    assertThat(viewOfA.hidden.tryAcquire(3, LONG_MS, TimeUnit.MILLISECONDS)).isTrue();

    var ranOnB = ConcurrentHashMap.<Integer>newKeySet();
    var twice = new AtomicInteger();
    bus(events, CommandBusOptions.defaults()).handle("job", Job.class, c -> {
      if (!ranOnB.add(c.payload().n())) {
        twice.incrementAndGet();
      }
    });
    a.close();

    for (Future<?> f : inFlight) {
      f.get(LONG_MS, TimeUnit.MILLISECONDS); // each ran (sync) instead of timing out at acceptance
    }
    assertThat(ranOnB).containsExactlyInAnyOrder(1, 2, 3);
    assertThat(twice).hasValue(0);
    assertThat(ranOnA).containsExactly(0); // A still finishes what it had started, nothing more
  }

  @Test
  void closingTheOnlyHandlerBusFailsItsAssignedCommandWithANoHandlerSayingItDidNotRun() throws Exception {
    var viewOfA = new HidingAssignments(a -> true);
    CommandBus a = bus(viewOfA, CommandBusOptions.defaults());
    var ran = new AtomicInteger();
    a.handle("job", Job.class, c -> ran.incrementAndGet());
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());
    Command<Job> command = Command.create("job", new Job(1));
    // The assign timeout must outlast the assignment to A and A's close (else the dispatcher gives
    // up on an assigned command, a different failure); after the give-back it is waited out.
    Future<?> call = pool.submit(() -> dispatcher.dispatch(command, sync(Duration.ofMillis(SHORT_MS))));
    assertThat(viewOfA.hidden.tryAcquire(1, LONG_MS, TimeUnit.MILLISECONDS)).isTrue();

    a.close();

    var failure = catchThrowableOfType(ExecutionException.class, () -> call.get(LONG_MS, TimeUnit.MILLISECONDS));
    assertThat(failure.getCause())
        .isInstanceOf(NoHandlerException.class)
        .hasMessageContaining("gave it back")
        .hasMessageContaining("It did not run");
    assertThat(ran).hasValue(0);
  }

  /** The shared event bus, recording whatever a subscriber's handler lets escape. */
  private final class Watching implements EventBus {
    final List<Throwable> escaped = new CopyOnWriteArrayList<>();

    @Override
    public void publish(List<? extends Event<?>> list) {
      events.publish(list);
    }

    @Override
    public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
      return events.subscribe(
          names,
          e -> {
            try {
              handler.handle(e);
            } catch (Throwable t) {
              escaped.add(t);
              throw t;
            }
          },
          options);
    }

    @Override
    public void close() {}
  }

  @Test
  void aFilterThatThrowsAnErrorDeclinesTheCommandAndTheBusKeepsServing() {
    var watching = new Watching();
    CommandBus failing = bus(watching, CommandBusOptions.defaults());
    var ranOnFailing = new AtomicInteger();
    failing.handle(
        "job",
        Job.class,
        c -> {
          if (c.payload().n() % 2 == 0) {
            throw new AssertionError("filter broke on " + c.payload().n());
          }
          return true;
        },
        c -> ranOnFailing.incrementAndGet());
    var ranOnEven = new AtomicInteger();
    bus(events, CommandBusOptions.defaults())
        .handle("job", Job.class, c -> c.payload().n() % 2 == 0, c -> ranOnEven.incrementAndGet());
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());

    for (int n = 0; n < 10; n++) {
      dispatcher.dispatch(Command.create("job", new Job(n)), sync(Duration.ofMillis(LONG_MS)));
    }

    assertThat(ranOnEven).hasValue(5);
    assertThat(ranOnFailing).hasValue(5); // its delivery went on after each Error
    assertThat(watching.escaped).as("nothing escapes to the event bus's delivery thread").isEmpty();
  }

  @Test
  void aBusThatCannotPublishItsAcceptanceGivesTheCommandBackAndKeepsServing() throws Exception {
    var failures = new AtomicInteger();
    EventBus failingOnce =
        new EventBus() {
          @Override
          public void publish(List<? extends Event<?>> list) {
            if (list.get(0).data() instanceof CommandProtocol.Accepted && failures.getAndIncrement() == 0) {
              throw new AssertionError("broker broke");
            }
            events.publish(list);
          }

          @Override
          public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
            return events.subscribe(names, handler, options);
          }

          @Override
          public void close() {}
        };
    var ran = new AtomicInteger();
    bus(failingOnce, CommandBusOptions.defaults().withConcurrency(1)).handle("job", Job.class, c -> ran.incrementAndGet());
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());

    var e =
        catchThrowableOfType(
            NoHandlerException.class,
            // Long enough for the handler bus to ask, be assigned and give it back first.
            () -> dispatcher.dispatch(Command.create("job", new Job(1)), sync(Duration.ofMillis(SHORT_MS))));

    assertThat(e).hasMessageContaining("gave it back").hasMessageContaining("It did not run");
    assertThat(ran).hasValue(0);
    dispatcher.dispatch(Command.create("job", new Job(2)), sync(Duration.ofMillis(LONG_MS))); // slot freed
    assertThat(ran).hasValue(1);
  }

  @Test
  void aHandlerThatThrowsAnErrorReachesTheCallerAndFreesItsSlot() {
    CommandBus handler = bus(events, CommandBusOptions.defaults().withConcurrency(1));
    var calls = new AtomicInteger();
    handler.handle("job", Job.class, c -> {
      if (calls.incrementAndGet() == 1) {
        throw new StackOverflowError("deep");
      }
    });
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());

    var e =
        catchThrowableOfType(
            CommandExecutionException.class,
            () -> dispatcher.dispatch(Command.create("job", new Job(1)), sync(Duration.ofMillis(LONG_MS))));
    assertThat(e.code()).isEqualTo(CommandError.UNEXPECTED);
    assertThat(e.details()).containsEntry(CommandError.EXCEPTION_DETAIL, StackOverflowError.class.getName());

    dispatcher.dispatch(Command.create("job", new Job(2)), sync(Duration.ofMillis(LONG_MS))); // slot free
    assertThat(calls).hasValue(2);
  }

  @Test
  void noHandlerSaysNoBusAskedAndForHowLongItWaited() {
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());
    UUID id = UUID.randomUUID();
    var e =
        catchThrowableOfType(
            NoHandlerException.class,
            () -> dispatcher.dispatch(
                Command.of(id, "job", new Job(1), null, Metadata.empty()),
                DispatchOptions.async().withAssignTimeout(Duration.ofMillis(50))));
    assertThat(e.getMessage())
        .contains("no bus sharing this event bus asked for it within the assign timeout of 50 ms")
        .contains(id.toString());
    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(50));
  }

  // ---- affinity ----

  private static Command<Job> job(int n, UUID aggregate) {
    return Command.create("job", new Job(n)).forAggregate("thing", aggregate);
  }

  /** Three handler buses of one slot each; records which one ran each command number. */
  private List<CommandBus> handlerBuses(
      Map<Integer, Integer> ranOn,
      java.util.function.BiPredicate<Integer, Command<Job>> takes,
      @org.jspecify.annotations.Nullable CountDownLatch holding) {
    List<CommandBus> handlers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int index = i;
      CommandBus bus = bus(events, CommandBusOptions.defaults().withConcurrency(1));
      bus.handle("job", Job.class, c -> takes.test(index, c), c -> {
        ranOn.put(c.payload().n(), index);
        if (c.payload().n() == 2 && holding != null) {
          holding.countDown();
          release.await();
        }
      });
      handlers.add(bus);
    }
    return handlers;
  }

  @Test
  void aCommandForAnAggregateWaitsForTheBusThatRanTheLastOneWhileThatBusIsBusy() throws Exception {
    UUID thing = UUID.randomUUID();
    var requests = new java.util.concurrent.LinkedBlockingQueue<CommandProtocol.Requested>();
    Subscription spy =
        events.subscribe(Set.of(CommandProtocol.REQUESTED), e -> requests.add((CommandProtocol.Requested) e.data()));
    var ranOn = new ConcurrentHashMap<Integer, Integer>();
    var holding = new CountDownLatch(1);
    handlerBuses(ranOn, (bus, c) -> true, holding);
    CommandBus dispatcher =
        bus(events, CommandBusOptions.defaults().withAffinityWait(Duration.ofMillis(LONG_MS)));
    Duration assign = Duration.ofMillis(LONG_MS);

    dispatcher.dispatch(job(1, thing), sync(assign));
    int owner = ranOn.get(1);
    dispatcher.dispatch(job(2, thing), DispatchOptions.async().withAssignTimeout(assign));
    assertThat(holding.await(LONG_MS, TimeUnit.MILLISECONDS)).isTrue();
    assertThat(ranOn.get(2)).as("the second command went to the bus that ran the first").isEqualTo(owner);

    // The owner's only slot is taken: the two other buses ask for the third command at once.
    Command<Job> third = job(3, thing);
    Future<?> call = pool.submit(() -> dispatcher.dispatch(third, sync(assign)));
    var askers = new java.util.HashSet<String>();
    while (askers.size() < 2) {
      CommandProtocol.Requested r = requests.poll(LONG_MS, TimeUnit.MILLISECONDS);
      assertThat(r).as("requests of the two free buses").isNotNull();
      if (r.commandId().equals(third.id())) {
        askers.add(r.busId());
      }
    }
    release.countDown(); // now the owner finishes the second command and asks for the third

    call.get(LONG_MS, TimeUnit.MILLISECONDS);
    assertThat(ranOn.get(3)).as("the third waited for the owner").isEqualTo(owner);
    spy.close();
  }

  @Test
  void anOwnerThatWillNotTakeACommandSaysSoAndAnotherBusRunsIt() throws Exception {
    UUID thing = UUID.randomUUID();
    var releases = new java.util.concurrent.LinkedBlockingQueue<CommandProtocol.Released>();
    Subscription spy =
        events.subscribe(Set.of(CommandProtocol.RELEASED), e -> releases.add((CommandProtocol.Released) e.data()));
    var ranOn = new ConcurrentHashMap<Integer, Integer>();
    // Only bus 0 takes command 1, which makes it the owner; it declines command 2.
    handlerBuses(ranOn, (bus, c) -> (bus == 0) == (c.payload().n() == 1), null);
    CommandBus dispatcher =
        bus(events, CommandBusOptions.defaults().withAffinityWait(Duration.ofMillis(LONG_MS)));
    Duration assign = Duration.ofMillis(LONG_MS);
    dispatcher.dispatch(job(1, thing), sync(assign));
    assertThat(ranOn.get(1)).isZero();
    Command<Job> second = job(2, thing);
    dispatcher.dispatch(second, sync(assign));

    assertThat(ranOn.get(2)).isNotEqualTo(0);
    CommandProtocol.Released declined = releases.poll(LONG_MS, TimeUnit.MILLISECONDS);
    assertThat(declined).isNotNull();
    assertThat(declined.commandId()).isEqualTo(second.id());
    spy.close();
  }

  @Test
  void whenTheOwnerIsGoneTheAggregateMovesToOneOtherBus() throws Exception {
    UUID thing = UUID.randomUUID();
    var ranOn = new ConcurrentHashMap<Integer, Integer>();
    List<CommandBus> handlers = handlerBuses(ranOn, (bus, c) -> true, null);
    // The wait for the gone owner is spent once (command 2); it must outlast the new owner's
    // request on a loaded machine, or commands 3 to 8 could go to a third bus.
    CommandBus dispatcher =
        bus(events, CommandBusOptions.defaults().withAffinityWait(Duration.ofMillis(SHORT_MS)));
    Duration assign = Duration.ofMillis(LONG_MS);

    dispatcher.dispatch(job(1, thing), sync(assign));
    int owner = ranOn.get(1);
    handlers.get(owner).close();
    for (int n = 2; n <= 8; n++) {
      dispatcher.dispatch(job(n, thing), sync(assign));
    }

    int next = ranOn.get(2);
    assertThat(next).isNotEqualTo(owner);
    for (int n = 3; n <= 8; n++) {
      assertThat(ranOn.get(n)).as("command " + n).isEqualTo(next);
    }
  }

  // ---- dispatching a command id again ----

  @Test
  void aCommandDispatchedAgainWithTheSameIdRunsAgain() {
    // Two handler buses: one runs each dispatch, the other sees it settled elsewhere; either way
    // a new dispatch of the same id is offered again (a handler de-duplicates by id if it must).
    var seen = new CopyOnWriteArrayList<UUID>();
    for (int i = 0; i < 2; i++) {
      bus(events, CommandBusOptions.defaults()).handle("job", Job.class, c -> seen.add(c.id()));
    }
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());
    UUID id = UUID.randomUUID();

    for (int n = 1; n <= 3; n++) {
      dispatcher.dispatch(
          Command.of(id, "job", new Job(n), null, Metadata.empty()), sync(Duration.ofMillis(LONG_MS)));
    }

    assertThat(seen).containsExactly(id, id, id);
  }

  @Test
  void aRetryAfterNoHandlerWithTheSameIdRunsOnceAHandlerExists() {
    // The handler bus sees the first dispatch withdrawn (settled) before it has a handler.
    CommandBus handlerBus = bus(events, CommandBusOptions.defaults());
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());
    Command<Job> command = Command.of(UUID.randomUUID(), "job", new Job(1), null, Metadata.empty());
    catchThrowableOfType(
        NoHandlerException.class,
        () -> dispatcher.dispatch(command, DispatchOptions.async().withAssignTimeout(Duration.ofMillis(50))));
    var seen = new CopyOnWriteArrayList<UUID>();
    handlerBus.handle("job", Job.class, c -> seen.add(c.id()));

    dispatcher.dispatch(command, sync(Duration.ofMillis(LONG_MS)));

    assertThat(seen).containsExactly(command.id());
  }

  @Test
  void aLateAnnouncementOfASettledDispatchIsIgnoredButANewDispatchIsOffered() throws Exception {
    var announced = new java.util.concurrent.LinkedBlockingQueue<Event<?>>();
    var requests = new java.util.concurrent.LinkedBlockingQueue<CommandProtocol.Requested>();
    Subscription spy =
        events.subscribe(
            Set.of(CommandProtocol.DISPATCHED, CommandProtocol.REQUESTED),
            e -> {
              if (e.data() instanceof CommandProtocol.Requested r) {
                requests.add(r);
              } else {
                announced.add(e);
              }
            });
    var calls = new AtomicInteger();
    bus(events, CommandBusOptions.defaults()).handle("job", Job.class, c -> calls.incrementAndGet());
    CommandBus dispatcher = bus(events, CommandBusOptions.defaults());
    Command<Job> command = Command.create("job", new Job(1));
    dispatcher.dispatch(command, sync(Duration.ofMillis(LONG_MS)));
    Event<?> first = announced.poll(LONG_MS, TimeUnit.MILLISECONDS);
    assertThat(first).isNotNull();
    var d = (CommandProtocol.Dispatched) first.data();
    CommandProtocol.Requested asked = requests.poll(LONG_MS, TimeUnit.MILLISECONDS);
    assertThat(asked).isNotNull();
    assertThat(asked.dispatchId()).isEqualTo(d.dispatchId());

    // The same announcement again, as if delivered late: the handler bus does not ask again.
    events.publish(List.of(Event.create(CommandProtocol.DISPATCHED, d).withMetadata(first.metadata())));
    assertThat(requests.poll(SHORT_MS, TimeUnit.MILLISECONDS)).as("request for a late announcement").isNull();

    // Another dispatch of the same command (nobody assigns it here): the handler bus asks for it.
    UUID other = UUID.randomUUID();
    var again =
        new CommandProtocol.Dispatched(d.commandId(), other, d.name(), null, null,
            d.payloadRevision(), d.payload(), 100, 1, null);
    events.publish(List.of(Event.create(CommandProtocol.DISPATCHED, again)));
    CommandProtocol.Requested renewed = requests.poll(LONG_MS, TimeUnit.MILLISECONDS);
    assertThat(renewed).as("request for a new dispatch").isNotNull();
    assertThat(renewed.commandId()).isEqualTo(command.id());
    assertThat(renewed.dispatchId()).isEqualTo(other);
    assertThat(calls).hasValue(1);
    spy.close();
  }
}
