package dev.fabula.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.EventBus;
import dev.fabula.memory.InMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The acceptance check: five distributed command buses on one in-memory event bus, 10,000
 * commands dispatched at once; each is executed exactly once, and every failure reaches its
 * synchronous caller with its code and message.
 */
class DistributedCommandBusStressTest {
  record Order(int n) {}

  private static final int BUSES = 5;
  private static final int COMMANDS = 10_000;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void tenThousandConcurrentCommandsOverFiveBusesRunExactlyOnce() throws Exception {
    var codec =
        new TestCodec(CommandBuses.registerProtocol(CodecRegistry.builder()).register("order", Order.class).build());
    var executions = new ConcurrentHashMap<UUID, AtomicInteger>();
    var wrongErrors = new AtomicInteger();
    var rejectedSeen = new AtomicInteger();
    var options =
        DispatchOptions.sync().withAssignTimeout(Duration.ofSeconds(60)).withExecutionTimeout(Duration.ofSeconds(60));

    try (EventBus events = InMemory.eventBus()) {
      List<CommandBus> buses = new ArrayList<>();
      for (int b = 0; b < BUSES; b++) {
        CommandBus bus = CommandBuses.distributed(events, codec);
        bus.handle("order", Order.class, c -> {
          executions.computeIfAbsent(c.id(), id -> new AtomicInteger()).incrementAndGet();
          if (c.payload().n() % 10 == 0) {
            throw new CommandRejectedException(
                "order.rejected", "order " + c.payload().n() + " rejected", Map.of("n", "" + c.payload().n()));
          }
        });
        buses.add(bus);
      }
      var ids = ConcurrentHashMap.<UUID>newKeySet();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        var futures = new ArrayList<Future<?>>(COMMANDS);
        for (int i = 0; i < COMMANDS; i++) {
          Command<Order> command = Command.create("order", new Order(i));
          ids.add(command.id());
          CommandBus from = buses.get(i % BUSES);
          int n = i;
          futures.add(pool.submit(() -> {
            try {
              from.dispatch(command, options);
              if (n % 10 == 0) {
                wrongErrors.incrementAndGet(); // should have failed
              }
            } catch (CommandExecutionException e) {
              boolean intact =
                  n % 10 == 0
                      && e.code().equals("order.rejected")
                      && e.getMessage().equals("order " + n + " rejected")
                      && e.details().equals(Map.of("n", "" + n))
                      && e.commandId().equals(command.id());
              (intact ? rejectedSeen : wrongErrors).incrementAndGet();
            }
          }));
        }
        for (Future<?> f : futures) {
          f.get(); // any other exception (NoHandler, timeout) fails the test here
        }
      }
      buses.forEach(CommandBus::close);

      assertThat(executions.keySet()).isEqualTo(ids);
      assertThat(executions.values()).allSatisfy(count -> assertThat(count).hasValue(1));
      assertThat(rejectedSeen).hasValue(COMMANDS / 10);
      assertThat(wrongErrors).hasValue(0);
    }
  }
}
