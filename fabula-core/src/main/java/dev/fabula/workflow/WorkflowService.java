package dev.fabula.workflow;

import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.AggregateTarget;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.projection.CatchUp;
import dev.fabula.projection.ProgressStore;
import dev.fabula.projection.Projection;
import dev.fabula.projection.ProjectionException;
import dev.fabula.projection.Projections;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.spi.Settings;
import dev.fabula.spi.WorkflowProtocol;
import dev.fabula.spi.WorkflowProtocol.RecordedCommand;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Runs workflows: takes in the events that trigger them, records each transition in the
 * instance's stream, executes the recorded effects, fires due timeouts, and takes over the
 * effects of instances that stopped. Any number of services may run on one event store.
 *
 * <p>What it promises:
 *
 * <ul>
 *   <li><b>Exactly-once triggers.</b> Each instance is an event-sourced aggregate ({@code
 *       "workflow:<name>"}) whose stream records the id of every trigger it handled in the same
 *       event as the transition, under the store's optimistic concurrency: a trigger is recorded
 *       at most once however many services see it, and a redelivered or replayed one is ignored.
 *   <li><b>Nothing missed.</b> The intake follows the store itself, gap-safe, with a continuous
 *       {@link Schedule} (the event bus only wakes it), from its stored progress when a {@link
 *       ProgressStore} is given, else from the first event.
 *   <li><b>At-least-once commands.</b> A recorded command is dispatched after the commit, always
 *       with its effect id as command id (and the trigger id as causation id), then marked
 *       dispatched. One still unmarked {@linkplain Builder#takeoverGrace takeover grace} after it
 *       was recorded is dispatched again by whichever service finds it at a resync: a handler may
 *       see a command twice, with the same id, and de-duplicates by it.
 *   <li><b>At-most-once timeouts, durably.</b> A timeout fires as a transition whose trigger id
 *       is its effect id, and only if it is still active when that transition commits. Timeouts
 *       live in the store: those due while no service ran fire after the next start.
 * </ul>
 *
 * <p>{@link #start()} runs a resync (rebuilding pending commands and active timeouts from the
 * store), catches the intake up, and starts the timer thread and the periodic resync. Every thread
 * reports what it throws to the {@linkplain Builder#onFailure failure handler} and goes on; {@link
 * #close()} stops and joins them. Thread-safe.
 */
public final class WorkflowService implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WorkflowService.class.getName());
  private static final long TIMER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  private static final Duration JOIN_WAIT = Duration.ofSeconds(15);

  private final EventStore store;
  private final EventBus bus;
  private final CommandBus commands;
  private final Codec codec;
  private final InstantSource clock;
  private final Duration resyncInterval;
  private final Duration takeoverGrace;
  private final @Nullable ProgressStore progress;
  private final DispatchOptions dispatchOptions;
  private final Consumer<? super Throwable> onFailure;
  private final Map<String, Runner<?>> runners = new LinkedHashMap<>();
  private final Timers timers = new Timers();
  private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lifecycle = new ReentrantLock();
  private final Condition stopping = lifecycle.newCondition();
  private final ReentrantLock firing = new ReentrantLock();
  private @Nullable Schedule intake;
  private @Nullable Thread timerThread;
  private @Nullable Thread resyncThread;
  private volatile boolean started;
  private volatile boolean closed;

  private WorkflowService(Builder b) {
    this.store = b.store;
    this.bus = b.bus;
    this.commands = b.commands;
    this.codec = b.codec;
    this.clock = b.clock;
    this.resyncInterval = b.resyncInterval;
    this.takeoverGrace = b.takeoverGrace;
    this.progress = b.progress;
    this.dispatchOptions = b.dispatchOptions;
    this.onFailure = b.onFailure;
    for (WorkflowDefinition<?> d : b.definitions) {
      runners.put(d.name(), new Runner<>(d, store, codec, clock, this::committed));
    }
  }

  /**
   * A builder of a service over {@code store} (where instances live and triggers are read), waking
   * on {@code bus}, dispatching through {@code commands}, encoding states and payloads with {@code
   * codec}.
   */
  public static Builder builder(EventStore store, EventBus bus, CommandBus commands, Codec codec) {
    return new Builder(store, bus, commands, codec);
  }

  /**
   * Registers, in {@code registry}, the names and types of the events workflow instances are
   * stored as ({@code fabula.workflow.*}), and returns {@code registry}. Every service's codec
   * needs them; the types themselves are internal. As for {@link
   * dev.fabula.command.CommandBuses#registerProtocol}, on the module path only fabula-jackson's
   * codec can encode them.
   */
  public static CodecRegistry.Builder registerProtocol(CodecRegistry.Builder registry) {
    return WorkflowProtocol.register(registry);
  }

  /**
   * Starts the service: rebuilds pending commands and active timeouts from the store (and
   * executes what is overdue), catches the intake up with everything stored, then starts the timer
   * thread and the periodic resync. Returns once caught up.
   *
   * @throws IllegalStateException when already started
   * @throws ClosedException when closed
   */
  public void start() {
    lifecycle.lock();
    try {
      requireOpen();
      if (started) {
        throw new IllegalStateException("workflow service already started");
      }
      started = true;
      resync();
      List<Projection> projections = new ArrayList<>();
      for (Runner<?> runner : runners.values()) {
        String name = runner.definition.aggregateName();
        Projection p = Projections.named(name, runner::handle);
        projections.add(progress == null ? p : Projections.tracked(name, p, progress));
      }
      Set<String> names = new LinkedHashSet<>();
      runners.values().forEach(r -> names.addAll(r.definition.eventNames()));
      Schedule schedule = Schedule.continuously(bus, store, names,
          ScheduleOptions.builder().catchUp(CatchUp.BLOCKING).listener(new Reporting()).build());
      intake = schedule;
      schedule.project(projections.toArray(Projection[]::new));
      timerThread = Thread.ofVirtual().name("fabula-workflow-timers").start(this::runTimers);
      resyncThread = Thread.ofVirtual().name("fabula-workflow-resync").start(this::runResyncs);
    } finally {
      lifecycle.unlock();
    }
  }

  /**
   * Rebuilds pending commands and active timeouts from the store now, fires the timeouts due by
   * the clock, and dispatches again every command still pending a takeover grace after it was
   * recorded. The service does this on start and every resync interval; call it to act at once
   * (after moving a test clock, say). Failures of single effects go to the failure handler.
   *
   * @throws ClosedException when closed
   */
  public void resync() {
    requireOpen();
    Instant now = clock.instant();
    for (Runner<?> runner : runners.values()) {
      List<RecordedCommand> overdue = new ArrayList<>();
      List<UUID> owners = new ArrayList<>();
      runner.eachInstance(instance -> {
        timers.replace(new Timers.Instance(runner.name(), instance.id()), instance.version(), instance.timeouts());
        for (WorkflowInstance.Pending p : instance.pending()) {
          if (!p.recordedAt().plus(takeoverGrace).isAfter(now)) {
            overdue.add(p.command());
            owners.add(instance.id());
          }
        }
      });
      for (int i = 0; i < overdue.size(); i++) {
        execute(runner, owners.get(i), overdue.get(i));
      }
    }
    fireDue();
  }

  /**
   * Waits until the intake has handled every event stored when called, and executed the commands
   * those transitions recorded. "Stored" is up to the store's {@link EventStore#lastPosition()}
   * when called: on a store with a gap-safe horizon (PostgreSQL, ADR 0005), a transaction still
   * open anywhere on the server holds it back, so an event committed just before may come after
   * this returns.
   *
   * @throws dev.fabula.projection.CatchUpTimeoutException when it has not within {@code timeout},
   *     or at once when a workflow's intake stopped at a failing event
   * @throws IllegalStateException when not started
   */
  public void awaitCaughtUp(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    Schedule schedule = intake;
    if (schedule == null) {
      throw new IllegalStateException("workflow service not started: call start() first");
    }
    schedule.awaitCaughtUp(timeout);
  }

  /**
   * The stored instance {@code id} of {@code definition}, or nothing when it never started.
   *
   * @throws IllegalArgumentException when the service does not run {@code definition}
   */
  public <S> Optional<WorkflowView<S>> find(WorkflowDefinition<S> definition, UUID id) {
    Objects.requireNonNull(definition, "definition");
    Objects.requireNonNull(id, "id");
    Runner<?> runner = runners.get(definition.name());
    if (runner == null || runner.definition != definition) {
      throw new IllegalArgumentException(
          "this workflow service does not run " + definition + "; it runs " + runners.keySet());
    }
    @SuppressWarnings("unchecked") // the runner of this very definition
    Runner<S> typed = (Runner<S>) runner;
    return typed.find(id);
  }

  /** How many timeouts this service holds as active (for monitoring). */
  public int activeTimeouts() {
    return timers.size();
  }

  /**
   * Stops the intake, the timer thread and the resync, and waits for them. A command being
   * dispatched is left to finish; one never marked is dispatched again after the takeover grace
   * by a service that runs. Idempotent; leaves the store, buses and codec open.
   */
  @Override
  public void close() {
    Schedule schedule;
    List<Thread> threads = new ArrayList<>();
    lifecycle.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      schedule = intake;
      if (timerThread != null) {
        threads.add(timerThread);
      }
      if (resyncThread != null) {
        threads.add(resyncThread);
      }
      stopping.signalAll();
    } finally {
      lifecycle.unlock();
    }
    // Woken, not interrupted: a thread in the middle of a firing or a resync finishes it.
    timers.wake();
    if (schedule != null) {
      schedule.close();
    }
    for (Thread t : threads) {
      if (t == Thread.currentThread()) {
        continue;
      }
      try {
        if (!t.join(JOIN_WAIT)) {
          report(new IllegalStateException("workflow thread " + t.getName() + " did not stop within " + JOIN_WAIT));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new ClosedException("workflow service is closed");
    }
  }

  /** After a commit: refresh the instance's timeouts and execute its new commands. */
  private void committed(Runner<?> runner, WorkflowInstance instance, List<RecordedCommand> newCommands) {
    timers.replace(new Timers.Instance(runner.name(), instance.id()), instance.version(), instance.timeouts());
    for (RecordedCommand c : newCommands) {
      execute(runner, instance.id(), c);
    }
  }

  /** Dispatches a recorded command and marks it dispatched; a failure leaves it pending, reported. */
  private void execute(Runner<?> runner, UUID id, RecordedCommand recorded) {
    if (closed || !inFlight.add(recorded.effectId())) {
      return;
    }
    try {
      Object payload = codec.decode(recorded.name(), recorded.payloadRevision(), recorded.payload());
      AggregateTarget target = recorded.aggregateName() == null
          ? null
          : new AggregateTarget(recorded.aggregateName(), Objects.requireNonNull(recorded.aggregateId()));
      Command<?> command = Command.of(recorded.effectId(), recorded.name(), payload, target,
          new Metadata(recorded.metadata()));
      commands.dispatch(command, dispatchOptions);
      runner.markDispatched(id, recorded.effectId());
    } catch (RuntimeException | Error e) {
      report(new WorkflowExecutionException(runner.name(), id, "command '" + recorded.key() + "' ("
          + recorded.name() + ", id " + recorded.effectId() + ") is not marked dispatched; it is"
          + " dispatched again with the same id " + takeoverGrace + " after it was recorded", e));
    } finally {
      inFlight.remove(recorded.effectId());
    }
  }

  /**
   * Fires the timeouts due by the clock: the timer thread's work, and the end of every resync.
   * One caller at a time, so a caller returns only after every firing already under way.
   */
  void fireDue() {
    firing.lock();
    try {
      for (Timers.Due due : timers.takeDue(clock.instant())) {
        Runner<?> runner = runners.get(due.instance().workflow());
        try {
          runner.fire(due.instance().id(), due.timeout());
        } catch (RuntimeException | Error e) {
          report(new WorkflowExecutionException(runner.name(), due.instance().id(), "timeout '"
              + due.timeout().key() + "' (effect " + due.timeout().effectId() + ") failed to fire;"
              + " it stays active and is tried again after the next resync", e));
        }
      }
    } finally {
      firing.unlock();
    }
  }

  private void runTimers() {
    while (!closed) {
      try {
        timers.awaitDue(clock, TIMER_POLL_NANOS);
        if (!closed) {
          fireDue();
        }
      } catch (InterruptedException e) {
        if (!closed) {
          report(new IllegalStateException("workflow timer thread interrupted while open", e));
        }
        return;
      } catch (Throwable t) {
        if (!closed) {
          report(t);
        }
      }
    }
  }

  private void runResyncs() {
    while (!closed) {
      try {
        if (awaitResync()) {
          resync();
        }
      } catch (InterruptedException e) {
        if (!closed) {
          report(new IllegalStateException("workflow resync thread interrupted while open", e));
        }
        return;
      } catch (ClosedException e) {
        if (!closed) {
          report(e);
        }
      } catch (Throwable t) {
        report(t);
      }
    }
  }

  /** Waits one resync interval; whether the service is still open. */
  private boolean awaitResync() throws InterruptedException {
    lifecycle.lock();
    try {
      long nanos = resyncInterval.toNanos();
      while (!closed && nanos > 0) {
        nanos = stopping.awaitNanos(nanos);
      }
      return !closed;
    } finally {
      lifecycle.unlock();
    }
  }

  private void report(Throwable failure) {
    try {
      onFailure.accept(failure);
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "workflow failure handler threw", t);
      LOG.log(System.Logger.Level.ERROR, "workflow failure", failure);
    }
  }

  /** Forwards the intake's failures to the failure handler. */
  private final class Reporting implements ScheduleListener {
    @Override
    public void failed(ProjectionException failure) {
      report(failure);
    }

    @Override
    public void jobFailed(Throwable failure) {
      if (!closed) {
        report(failure);
      }
    }
  }

  /**
   * Configures a {@link WorkflowService}. Defaults: the system clock, resync every 30 seconds, a
   * takeover grace of one minute, no progress store (the intake reads from the first event at
   * each start; triggers handled before are recognized and skipped), asynchronous dispatch, and
   * failures logged through {@link System.Logger}. Each setting may be made once.
   */
  public static final class Builder {
    private final EventStore store;
    private final EventBus bus;
    private final CommandBus commands;
    private final Codec codec;
    private final List<WorkflowDefinition<?>> definitions = new ArrayList<>();
    private InstantSource clock = InstantSource.system();
    private Duration resyncInterval = Duration.ofSeconds(30);
    private Duration takeoverGrace = Duration.ofMinutes(1);
    private @Nullable ProgressStore progress;
    private DispatchOptions dispatchOptions = DispatchOptions.async();
    private Consumer<? super Throwable> onFailure =
        failure -> LOG.log(System.Logger.Level.ERROR, failure.getMessage(), failure);
    private final Set<String> set = new LinkedHashSet<>();

    private Builder(EventStore store, EventBus bus, CommandBus commands, Codec codec) {
      this.store = Objects.requireNonNull(store, "store");
      this.bus = Objects.requireNonNull(bus, "bus");
      this.commands = Objects.requireNonNull(commands, "commands");
      this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Runs {@code definition}.
     *
     * @throws IllegalArgumentException when a workflow of the same name is already added
     */
    public Builder add(WorkflowDefinition<?> definition) {
      Objects.requireNonNull(definition, "definition");
      if (definitions.stream().anyMatch(d -> d.name().equals(definition.name()))) {
        throw new IllegalArgumentException("a workflow named " + definition.name() + " is already added");
      }
      definitions.add(definition);
      return this;
    }

    /** The clock for transitions' {@code now()}, timeouts and the takeover grace. */
    public Builder clock(InstantSource value) {
      Objects.requireNonNull(value, "clock");
      once("clock", clock, value);
      clock = value;
      return this;
    }

    /** How often the store is read for pending commands and active timeouts; positive. */
    public Builder resyncInterval(Duration value) {
      requirePositive(value, "resyncInterval");
      once("resyncInterval", resyncInterval, value);
      resyncInterval = value;
      return this;
    }

    /**
     * How long after it was recorded a command still not marked dispatched is dispatched again by
     * any service that finds it; not negative. Shorter takes over sooner after a crash, at the
     * cost of more duplicates from slow dispatches.
     */
    public Builder takeoverGrace(Duration value) {
      Objects.requireNonNull(value, "takeoverGrace");
      if (value.isNegative()) {
        throw new IllegalArgumentException("takeoverGrace must not be negative, got " + value);
      }
      once("takeoverGrace", takeoverGrace, value);
      takeoverGrace = value;
      return this;
    }

    /** Keeps the intake's position per workflow in {@code value}, so a restart resumes there. */
    public Builder progressStore(ProgressStore value) {
      Objects.requireNonNull(value, "progressStore");
      once("progressStore", progress, value);
      progress = value;
      return this;
    }

    /** How recorded commands are dispatched ({@link DispatchOptions#async()} by default). */
    public Builder dispatchOptions(DispatchOptions value) {
      Objects.requireNonNull(value, "dispatchOptions");
      once("dispatchOptions", dispatchOptions, value);
      dispatchOptions = value;
      return this;
    }

    /** Receives every failure of the service's threads: triggers, commands, timeouts. */
    public Builder onFailure(Consumer<? super Throwable> value) {
      Objects.requireNonNull(value, "onFailure");
      once("onFailure", onFailure, value);
      onFailure = value;
      return this;
    }

    /**
     * The service, not started.
     *
     * @throws IllegalStateException when no workflow was added, or the codec's registry lacks the
     *     protocol's names ({@link #registerProtocol}) or a workflow's state name ({@link
     *     WorkflowDefinition#registerState})
     */
    public WorkflowService build() {
      if (definitions.isEmpty()) {
        throw new IllegalStateException("no workflow added: call add(definition)");
      }
      CodecRegistry registry = codec.registry();
      for (String name : List.of(WorkflowProtocol.TRANSITIONED, WorkflowProtocol.COMMAND_DISPATCHED)) {
        if (!registry.contains(name)) {
          throw new IllegalStateException("the codec's registry lacks " + name
              + ": register the workflow protocol with WorkflowService.registerProtocol(registry)");
        }
      }
      for (WorkflowDefinition<?> d : definitions) {
        String stateName = WorkflowDefinition.stateName(d.name());
        if (!registry.contains(stateName)) {
          throw new IllegalStateException("the codec's registry lacks " + stateName + ", the state of"
              + " workflow " + d.name() + ": register it with definition.registerState(registry)");
        }
        if (!d.stateType().isAssignableFrom(registry.type(stateName))) {
          throw new IllegalStateException("the codec's registry maps " + stateName + " to "
              + registry.type(stateName).getName() + ", but workflow " + d.name() + " keeps a "
              + d.stateType().getName());
        }
      }
      return new WorkflowService(this);
    }

    private void once(String setting, @Nullable Object current, Object attempt) {
      Settings.requireUnset(!set.add(setting), setting, current, attempt);
    }

    private static void requirePositive(Duration value, String what) {
      Objects.requireNonNull(value, what);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + value);
      }
    }
  }
}
