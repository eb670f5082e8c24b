package dev.fabula.telemetry;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandHandler;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.HandlerRegistration;
import dev.fabula.event.Metadata;
import java.util.Objects;
import java.util.function.Predicate;

/** {@link Telemetry#commandBus}: observes dispatches and the handlers registered through it. */
final class ObservedCommandBus implements CommandBus {
  private final CommandBus bus;
  private final Instrumentation instrumentation;

  ObservedCommandBus(CommandBus bus, Instrumentation instrumentation) {
    this.bus = bus;
    this.instrumentation = instrumentation;
  }

  @Override
  public void dispatch(Command<?> command, DispatchOptions options) {
    Objects.requireNonNull(command, "command");
    Observation o = instrumentation.start(new Operation.Dispatch(command));
    Observation.Scope s = o.makeCurrent();
    try {
      Metadata m = o.propagate(command.metadata());
      bus.dispatch(m == command.metadata() ? command : command.withMetadata(m), options);
    } catch (RuntimeException | Error e) {
      o.end(e);
      throw e;
    } finally {
      s.close();
    }
    o.end(null);
  }

  @Override
  public <P> HandlerRegistration handle(
      String name,
      Class<P> payloadType,
      Predicate<? super Command<P>> filter,
      CommandHandler<P> handler) {
    Objects.requireNonNull(handler, "handler");
    return bus.handle(name, payloadType, filter, observed(handler));
  }

  private <P> CommandHandler<P> observed(CommandHandler<P> handler) {
    return command -> {
      Observation o = instrumentation.start(new Operation.Handle(command));
      Observation.Scope s = o.makeCurrent();
      try {
        handler.handle(command);
      } catch (Throwable e) {
        o.end(e);
        throw e;
      } finally {
        s.close();
      }
      o.end(null);
    };
  }

  @Override
  public void close() {
    bus.close();
  }

  @Override
  public String toString() {
    return "Observed[" + bus + "]";
  }
}
