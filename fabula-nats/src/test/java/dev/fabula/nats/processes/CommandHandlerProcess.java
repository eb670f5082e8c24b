package dev.fabula.nats.processes;

import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandRejectedException;
import dev.fabula.event.EventBus;
import dev.fabula.nats.Nats;
import dev.fabula.nats.NatsOptions;
import io.nats.client.Connection;
import io.nats.client.Options;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A process that handles {@link Child#WORK} commands on a distributed command bus over core NATS.
 * Reports {@code ready} once its subscription is at the server, {@code start <id>} before a
 * handler does anything, {@code done <id>} when it is finished. Every seventh command (by its
 * number) is rejected with code {@code xproc.rejected} and the detail {@code by=<name>}, so a
 * caller can tell which process ran it.
 *
 * <p>With {@code stuckAfter=k} and {@code stuckCount=m}, the handlers of the {@code m} commands
 * started after the first {@code k} hang (a handler in the middle of its work): they make sure the
 * bus's {@code accepted} reached the server, report {@code stuck <id>} and block until the process
 * is killed. The commands after those run as usual, in the slots left.
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code name}, {@code concurrency}, optional {@code
 * stuckAfter} and {@code stuckCount}.
 */
public final class CommandHandlerProcess {
  private CommandHandlerProcess() {}

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Child.watchInput();
    Map<String, String> args = Child.args(argv);
    String name = args.get("name");
    int stuckAfter = args.containsKey("stuckAfter") ? Child.intArg(args, "stuckAfter") : Integer.MAX_VALUE;
    int stuckCount = args.containsKey("stuckCount") ? Child.intArg(args, "stuckCount") : 0;
    AtomicInteger started = new AtomicInteger();
    CountDownLatch never = new CountDownLatch(1);
    ReentrantLock flushes = new ReentrantLock();
    Connection connection = io.nats.client.Nats.connect(Options.builder().server(args.get("url")).build());
    try (EventBus events = Nats.eventBus(Child.codec(),
            NatsOptions.builder().connection(connection).subjectPrefix(args.get("prefix")).build());
        CommandBus commands = CommandBuses.distributed(events, Child.codec(),
            CommandBusOptions.defaults().withConcurrency(Child.intArg(args, "concurrency")))) {
      commands.handle(Child.WORK, Child.Work.class, command -> {
        Child.report("start " + command.id());
        int number = started.incrementAndGet();
        if (number > stuckAfter && number <= stuckAfter + stuckCount) {
          // The bus published 'accepted' before it called us; the flush returns once the server
          // has everything this connection sent, so the dispatcher learns of the acceptance.
          // One flush at a time: jnats fails flushes that overlap (a TimeoutException caused by
          // a CancellationException), and hangs some.
          flushes.lock();
          try {
            connection.flush(Duration.ofSeconds(10));
          } catch (Exception e) {
            Child.reportError("flush", e); // the test then fails: this command is not hanging
            throw e;
          } finally {
            flushes.unlock();
          }
          Child.report("stuck " + command.id());
          never.await();
        }
        Child.report("done " + command.id());
        if (command.payload().n() % 7 == 0) {
          throw new CommandRejectedException("xproc.rejected", "rejected by " + name, Map.of("by", name));
        }
      });
      connection.flush(Duration.ofSeconds(10)); // the protocol subscription is at the server
      Child.report("ready");
      Child.awaitStop();
    } finally {
      connection.close();
    }
    Child.report("stopped");
  }
}
