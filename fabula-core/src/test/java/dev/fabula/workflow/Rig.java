package dev.fabula.workflow;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.TestCodec;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventQuery;
import dev.fabula.memory.InMemory;
import dev.fabula.spi.WorkflowProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;

/**
 * One store, bus, clock and codec shared by the services of a test, a command bus whose handlers
 * record every command they get (and de-duplicate by command id, as the guarantee asks of them),
 * and the failures the services report.
 */
final class Rig implements AutoCloseable {
  final EventStore store;
  final EventBus bus = InMemory.eventBus();
  final TestClock clock = new TestClock();
  final Codec codec;
  final WorkflowDefinition<OrderFlow.State> definition;
  final CommandBus commands = CommandBuses.inProcess(CommandBusOptions.defaults().withCallerRuns(true));
  /** Every command the handlers got, duplicates included. */
  final Queue<Command<?>> received = new ConcurrentLinkedQueue<>();
  /** The ids the handlers acted on: a duplicate is not acted on again. */
  final Set<UUID> actedOn = ConcurrentHashMap.newKeySet();
  final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
  private final List<WorkflowService> opened = new ArrayList<>();

  Rig(WorkflowDefinition<OrderFlow.State> definition) {
    this(definition, InMemory.eventStore());
  }

  Rig(WorkflowDefinition<OrderFlow.State> definition, EventStore store) {
    this(definition, store, registry -> new TestCodec(registry));
  }

  Rig(WorkflowDefinition<OrderFlow.State> definition, EventStore store,
      java.util.function.Function<CodecRegistry, Codec> codecs) {
    this.definition = definition;
    this.store = store;
    this.codec = codecs.apply(OrderFlow.register(CodecRegistry.builder(), definition).build());
    for (String name : List.of("stock.reserve", "payment.request", "stock.release")) {
      commands.handle(name, Object.class, c -> {
        received.add(c);
        actedOn.add(c.id());
      });
    }
  }

  /** A service over the rig's parts (or {@code store} and {@code commandBus} instead), started. */
  WorkflowService start(UnaryOperator<WorkflowService.Builder> configure) {
    WorkflowService service = configure.apply(builder(store, commands)).build();
    opened.add(service);
    service.start();
    return service;
  }

  WorkflowService start() {
    return start(b -> b);
  }

  WorkflowService.Builder builder(EventStore onStore, CommandBus through) {
    return WorkflowService.builder(onStore, bus, through, codec)
        .add(definition)
        .clock(clock)
        .resyncInterval(Duration.ofHours(1)) // tests resync explicitly
        .takeoverGrace(Duration.ofMinutes(1))
        .dispatchOptions(DispatchOptions.sync())
        .onFailure(failures::add);
  }

  /** Stores an event (no aggregate) and returns it as stored. */
  Event<?> publish(String name, Object data) {
    return store.insert(List.of(Event.create(name, data))).getFirst();
  }

  List<String> receivedNames() {
    return received.stream().map(Command::name).toList();
  }

  UUID idOf(String order) {
    return definition.idForKey(order);
  }

  /** The instance's stream: every transition and dispatch mark, oldest first. */
  List<Event<?>> stream(String order) {
    try (var s = store.query(EventQuery.builder().aggregate(definition.aggregateName(), idOf(order)).build())) {
      return s.toList();
    }
  }

  List<WorkflowProtocol.Transitioned> transitions(String order) {
    return stream(order).stream()
        .filter(e -> e.data() instanceof WorkflowProtocol.Transitioned)
        .map(e -> (WorkflowProtocol.Transitioned) e.data())
        .toList();
  }

  WorkflowView<OrderFlow.State> view(WorkflowService service, String order) {
    return service.find(definition, idOf(order)).orElseThrow();
  }

  @Override
  public void close() {
    for (WorkflowService c : opened.reversed()) {
      c.close();
    }
    commands.close();
    bus.close();
    store.close();
  }
}
