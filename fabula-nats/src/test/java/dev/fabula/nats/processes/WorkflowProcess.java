package dev.fabula.nats.processes;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandHandler;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.HandlerRegistration;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.nats.Nats;
import dev.fabula.nats.NatsOptions;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.tck.TckData;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import io.nats.client.Connection;
import io.nats.client.Options;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A workflow service process: runs the {@link OrderWorkflow} on the shared PostgreSQL store, woken
 * by the events the test publishes on core NATS, dispatching its commands on a distributed command
 * bus over core NATS (the test JVM handles them). Reports {@code ready} once started, {@code
 * reacted <order>} for every start reaction it ran (a retried one too), {@code dispatched <id>
 * <name>} after each command it handed to the bus, and {@code error ...} for every failure its
 * service reported.
 *
 * <p>With {@code crash=beforeDispatch} no command is dispatched: each dispatch reports {@code
 * holding <id> <name>} and blocks, waiting for the process to be killed (a crash between recording
 * a command and dispatching it; the service's resync, which dispatches again what is pending past
 * the grace, is held the same way). With {@code crash=beforeMark} the first command is dispatched,
 * then {@code dispatched <id> <name>} and {@code holding <id> <name>} reported and the dispatch
 * blocks before the service can mark it; every later dispatch blocks before it is handed on.
 *
 * <p>Its clock is the system's plus {@code offsetMs}; standard input moves it and asks questions,
 * one line each, answered in order: {@code sync <tag>} (wait until caught up; answers {@code
 * synced <tag> <active timeouts>}), {@code resync <tag>} (answers {@code resynced <tag> <active
 * timeouts>}), {@code timeouts <tag>} ({@code timeouts <tag> <n>}), {@code advance <ms> <tag>}
 * ({@code advanced <tag>}), {@code stop} (closes, answers {@code stopped} and ends). End of input
 * ends it too.
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code pgUrl}, {@code schema}, {@code resyncMs},
 * {@code graceMs}, optional {@code offsetMs} and {@code crash}.
 */
public final class WorkflowProcess {
  private WorkflowProcess() {}

  /** The system clock moved by an offset the test changes. */
  private static final class OffsetClock implements InstantSource {
    private final AtomicLong offsetMs;

    OffsetClock(long offsetMs) {
      this.offsetMs = new AtomicLong(offsetMs);
    }

    @Override
    public Instant instant() {
      return Instant.now().plusMillis(offsetMs.get());
    }
  }

  /** The distributed bus, reporting each dispatch; with a crash point, it blocks the first one. */
  private static final class CrashingBus implements CommandBus {
    private final CommandBus delegate;
    private final String crash;
    private final CountDownLatch never = new CountDownLatch(1);
    private final AtomicLong dispatches = new AtomicLong();

    CrashingBus(CommandBus delegate, String crash) {
      this.delegate = delegate;
      this.crash = crash;
    }

    @Override
    public void dispatch(Command<?> command, DispatchOptions options) {
      boolean first = dispatches.incrementAndGet() == 1;
      String what = command.id() + " " + command.name();
      if (crash.equals("beforeDispatch") || (crash.equals("beforeMark") && !first)) {
        hold(what);
      }
      delegate.dispatch(command, options);
      Child.report("dispatched " + what);
      if (crash.equals("beforeMark")) {
        hold(what); // the first: handed on, never marked
      }
    }

    private void hold(String what) {
      Child.report("holding " + what);
      try {
        never.await(); // until the test kills the process
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while holding " + what, e);
      }
    }

    @Override
    public <P> HandlerRegistration handle(
        String name, Class<P> payloadType, Predicate<? super Command<P>> filter, CommandHandler<P> handler) {
      return delegate.handle(name, payloadType, filter, handler);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Map<String, String> args = Child.args(argv);
    WorkflowDefinition<TckData.State> definition = OrderWorkflow.definition(order -> Child.report("reacted " + order));
    Codec codec = OrderWorkflow.codec(definition);
    OffsetClock clock = new OffsetClock(args.containsKey("offsetMs") ? Long.parseLong(args.get("offsetMs")) : 0);
    Connection connection = io.nats.client.Nats.connect(Options.builder().server(args.get("url")).build());
    try (HikariDataSource dataSource = Postgres.dataSource(args.get("pgUrl"));
        EventStore store = Postgres.eventStore(dataSource, codec,
            PostgresOptions.builder().schema(args.get("schema")).build());
        EventBus bus = Nats.eventBus(codec,
            NatsOptions.builder().connection(connection).subjectPrefix(args.get("prefix")).build());
        CommandBus commands = new CrashingBus(CommandBuses.distributed(bus, codec, CommandBusOptions.defaults()),
            args.getOrDefault("crash", "none"));
        WorkflowService service = WorkflowService.builder(store, bus, commands, codec)
            .add(definition)
            .clock(clock)
            .resyncInterval(Duration.ofMillis(Child.intArg(args, "resyncMs")))
            .takeoverGrace(Duration.ofMillis(Child.intArg(args, "graceMs")))
            .onFailure(failure -> Child.reportError("workflow", failure))
            .build()) {
      service.start();
      connection.flush(Duration.ofSeconds(10)); // the bus's subscriptions are at the server
      Child.report("ready");
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
          String[] words = line.split(" ");
          switch (words[0]) {
            case "sync" -> {
              service.awaitCaughtUp(Duration.ofSeconds(60));
              Child.report("synced " + words[1] + " " + service.activeTimeouts());
            }
            case "resync" -> {
              service.resync();
              Child.report("resynced " + words[1] + " " + service.activeTimeouts());
            }
            case "timeouts" -> Child.report("timeouts " + words[1] + " " + service.activeTimeouts());
            case "advance" -> {
              clock.offsetMs.addAndGet(Long.parseLong(words[1]));
              Child.report("advanced " + words[2]);
            }
            default -> Child.report("error input unknown command: " + line);
          }
        }
      } catch (Throwable e) {
        Child.reportError("input", e);
      }
      // The test said stop or is gone: a close that hangs must not leave the process behind.
      Thread.ofPlatform().daemon().name("workflow-child-halt").start(() -> {
        try {
          Thread.sleep(15_000);
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(3);
      });
    } finally {
      connection.close();
    }
    Child.report("stopped");
  }
}
