package dev.fabula.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandHandler;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.HandlerRegistration;
import dev.fabula.tck.command.CommandBusConformance;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The command bus suite must fail for buses that break its promises: one that does nothing, and
 * one that runs every command on every bus with a handler (no coordination, so no exactly-once,
 * no error propagation, no timeouts).
 */
class CommandKitCatchesBrokenBusesTest {
  @Test
  void commandBusSuiteFailsAgainstADoNothingBus() {
    Events stats = run(DoNothingKit.class);
    assertThat(stats.failed().count()).as("failed tests").isGreaterThanOrEqualTo(stats.started().count() - 3);
  }

  @Test
  void commandBusSuiteFailsAgainstABusThatRunsEveryCommandEverywhere() {
    Events stats = run(BroadcastKit.class);
    assertThat(stats.failed().count()).as("failed tests").isGreaterThanOrEqualTo(stats.started().count() / 2);
    assertThat(stats.failed().stream().map(e -> e.getTestDescriptor().getDisplayName()))
        .contains(
            "exactlyOneOfManyBusesExecutesEachCommand()",
            "syncDispatchRethrowsTheHandlersErrorWithCodeMessageAndDetails()",
            "noHandlerWithinTheAssignTimeoutIsANoHandlerExceptionNamingTheCommand()");
  }

  private static Events run(Class<?> kit) {
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(kit)).execute().testEvents();
  }

  /** Registers nothing, dispatches nowhere. */
  static class DoNothingKit extends CommandBusConformance {
    @Override
    protected Duration patience() {
      return Duration.ofMillis(500); // the kit is expected to fail; don't wait 20 s for it
    }

    @Override
    protected Transport openTransport() {
      return new Transport() {
        @Override
        public CommandBus newBus(CommandBusOptions options) {
          return new CommandBus() {
            @Override
            public void dispatch(Command<?> command, DispatchOptions options) {}

            @Override
            public <P> HandlerRegistration handle(
                String name, Class<P> type, Predicate<? super Command<P>> filter, CommandHandler<P> handler) {
              return registration(name);
            }

            @Override
            public void close() {}
          };
        }

        @Override
        public void close() {}
      };
    }
  }

  /** Every dispatch runs every handler of its name on every bus, in the caller's thread. */
  static class BroadcastKit extends CommandBusConformance {
    @Override
    protected Duration patience() {
      return Duration.ofMillis(500); // the kit is expected to fail; don't wait 20 s for it
    }

    record Handler(String name, Predicate<Command<?>> filter, CommandHandler<Object> handler) {}

    @Override
    protected Transport openTransport() {
      List<Handler> handlers = new CopyOnWriteArrayList<>();
      return new Transport() {
        @Override
        public CommandBus newBus(CommandBusOptions options) {
          return new CommandBus() {
            @Override
            @SuppressWarnings("unchecked")
            public void dispatch(Command<?> command, DispatchOptions options) {
              for (Handler h : handlers) {
                if (h.name().equals(command.name()) && h.filter().test(command)) {
                  try {
                    h.handler().handle((Command<Object>) command);
                  } catch (Exception ignored) {
                    // errors are lost
                  }
                }
              }
            }

            @Override
            @SuppressWarnings("unchecked")
            public <P> HandlerRegistration handle(
                String name, Class<P> type, Predicate<? super Command<P>> filter, CommandHandler<P> handler) {
              handlers.add(
                  new Handler(
                      name,
                      c -> type.isInstance(c.payload()) && filter.test((Command<P>) c),
                      c -> handler.handle((Command<P>) (Command<?>) c)));
              return registration(name);
            }

            @Override
            public void close() {}
          };
        }

        @Override
        public void close() {}
      };
    }
  }

  private static HandlerRegistration registration(String name) {
    return new HandlerRegistration() {
      @Override
      public Set<String> commandNames() {
        return Set.of(name);
      }

      @Override
      public void close() {}
    };
  }
}
