package dev.fabula.nats.processes;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.DispatchTimeoutException;
import dev.fabula.event.EventBus;
import dev.fabula.nats.Nats;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * A process that dispatches {@code count} {@link Child#WORK} commands synchronously over a
 * distributed command bus on core NATS, {@code inFlight} at a time, and reports each one's
 * outcome: {@code sent <id> <n>} before it dispatches, then {@code ok <id>}, {@code rejected <id>
 * <code> <by>} or {@code failed <id> <exception class> <stage>}; {@code finished} at the end.
 *
 * <p>With {@code pauseAt=k}, it reports {@code paused} once it sent the first {@code k} commands
 * (those may still be in flight) and sends the rest only when the test says {@code go}, so a test
 * can do something between the two halves.
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code count}, {@code inFlight}, {@code
 * executionTimeoutMs}, optional {@code pauseAt}.
 */
public final class CommandDispatcherProcess {
  private CommandDispatcherProcess() {}

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Child.watchInput();
    Map<String, String> args = Child.args(argv);
    int count = Child.intArg(args, "count");
    int pauseAt = args.containsKey("pauseAt") ? Child.intArg(args, "pauseAt") : -1;
    Semaphore inFlight = new Semaphore(Child.intArg(args, "inFlight"));
    DispatchOptions.Sync sync = DispatchOptions.sync()
        .withExecutionTimeout(Duration.ofMillis(Child.intArg(args, "executionTimeoutMs")));
    try (EventBus events = Nats.eventBus(Child.codec(), Child.natsOptions(args).build());
        CommandBus commands = CommandBuses.distributed(events, Child.codec());
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int n = 0; n < count; n++) {
        if (n == pauseAt) {
          Child.report("paused");
          if (!Child.awaitInput("go")) {
            throw new IllegalStateException("the test ended before it said go");
          }
        }
        inFlight.acquire();
        Command<Child.Work> command = Command.create(Child.WORK, new Child.Work(n));
        Child.report("sent " + command.id() + " " + n);
        threads.execute(() -> {
          try {
            commands.dispatch(command, sync);
            Child.report("ok " + command.id());
          } catch (CommandExecutionException e) {
            Child.report("rejected " + command.id() + " " + e.code() + " " + e.details().get("by"));
          } catch (DispatchTimeoutException e) {
            Child.report("failed " + command.id() + " " + e.getClass().getName() + " " + e.stage());
          } catch (Throwable e) {
            Child.report("failed " + command.id() + " " + e.getClass().getName() + " -");
            e.printStackTrace();
          } finally {
            inFlight.release();
          }
        });
      }
    }
    Child.report("finished");
  }
}
