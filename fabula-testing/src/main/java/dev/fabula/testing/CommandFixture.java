package dev.fabula.testing;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.command.AggregateCommands;
import dev.fabula.command.AggregateTarget;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.command.CommandReporter;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.HandlerRegistration;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.memory.InMemory;
import dev.fabula.repository.Repository;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Given/when/then tests for the command handlers of an aggregate ({@link AggregateCommands}):
 * given the aggregate's history, when a command is dispatched, then these events were stored — or
 * the command was rejected with this code.
 *
 * <pre>{@code
 * CommandFixture<Product> shop = CommandFixture.of(Product::new, ProductCommands.HANDLERS);
 * shop.given("product.created", new ProductCreated("Mouse", 2999))
 *     .when("product.change-price", new ChangePrice(2499))
 *     .thenRaised("product.price-changed", new PriceChanged(2999, 2499));
 * shop.when("product.change-price", new ChangePrice(-1))
 *     .thenRejected("product.rule-broken", "must be positive");
 * }</pre>
 *
 * <p>Each {@code when} runs the real path on fresh in-memory parts: the given events are stored,
 * the handlers are subscribed on an in-process command bus over a {@link Repository}, and the
 * command is dispatched synchronously. So the stored events carry what production stores: the
 * command's metadata, its id as causation id and its correlation id (check them with {@link
 * RaisedEvent#withMetadata}); and a failure reaches the test as the {@link
 * CommandExecutionException} a caller would get, with the code of a declared rejection ({@link
 * AggregateCommands.Builder#reject}), of a {@link dev.fabula.command.CommandRejectedException}, or
 * {@link dev.fabula.command.CommandError#UNEXPECTED}.
 *
 * <p>A fixture may be reused: each {@code when} starts from the given events again.
 *
 * @param <A> the aggregate type
 */
public final class CommandFixture<A extends AggregateRoot> {
  private final Function<UUID, A> factory;
  private final AggregateCommands<A> commands;
  private final UUID id;
  private final String aggregateName;
  private final List<Given> given = new ArrayList<>();

  private record Given(String name, Object data, Metadata metadata) {}

  private CommandFixture(Function<UUID, A> factory, AggregateCommands<A> commands, UUID id) {
    this.factory = Objects.requireNonNull(factory, "factory");
    this.commands = Objects.requireNonNull(commands, "commands");
    this.id = Objects.requireNonNull(id, "id");
    this.aggregateName = factory.apply(id).name();
  }

  /** A fixture for {@code commands} on aggregates made by {@code factory}, with a fresh random id. */
  public static <A extends AggregateRoot> CommandFixture<A> of(
      Function<UUID, A> factory, AggregateCommands<A> commands) {
    return new CommandFixture<>(factory, commands, UUID.randomUUID());
  }

  /** A fixture for {@code commands} on the aggregate with this id. */
  public static <A extends AggregateRoot> CommandFixture<A> of(
      Function<UUID, A> factory, AggregateCommands<A> commands, UUID id) {
    return new CommandFixture<>(factory, commands, id);
  }

  /** The id of the aggregate the fixture's history belongs to and its commands target. */
  public UUID id() {
    return id;
  }

  /** A past event of the aggregate; call several times for a longer history. */
  public CommandFixture<A> given(String eventName, Object data) {
    return given(eventName, data, Metadata.empty());
  }

  /** A past event of the aggregate carrying {@code metadata}. */
  public CommandFixture<A> given(String eventName, Object data, Metadata metadata) {
    given.add(new Given(
        Objects.requireNonNull(eventName, "eventName"),
        Objects.requireNonNull(data, "data"),
        Objects.requireNonNull(metadata, "metadata")));
    return this;
  }

  /** Dispatches a new command named {@code commandName} to the fixture's aggregate. */
  public <P> Outcome<A> when(String commandName, P payload) {
    return when(Command.create(commandName, payload).forAggregate(aggregateName, id));
  }

  /**
   * Dispatches {@code command} as given (with its own metadata and target; a command without a
   * target is rejected as the handlers would reject it).
   *
   * @throws IllegalArgumentException when {@code commands} declares no command of that name
   */
  public Outcome<A> when(Command<?> command) {
    Objects.requireNonNull(command, "command");
    if (!commands.commandNames().contains(command.name())) {
      throw new IllegalArgumentException(
          "command '" + command.name() + "' is not declared; the handlers declare " + commands.commandNames());
    }
    var options = CommandBusOptions.defaults().withCallerRuns(true).withReporter(CommandReporter.none());
    try (EventStore store = InMemory.eventStore(); CommandBus bus = CommandBuses.inProcess(options)) {
      List<Event<?>> history = history();
      if (!history.isEmpty()) {
        store.insert(history);
      }
      long before = store.lastPosition();
      Repository<A> repository = Repository.of(store, factory);
      CommandExecutionException failure = null;
      HandlerRegistration registration = commands.subscribe(bus, repository);
      try {
        bus.dispatch(command, DispatchOptions.sync());
      } catch (CommandExecutionException e) {
        failure = e;
      } finally {
        registration.close();
      }
      List<Event<?>> stored;
      try (Stream<Event<?>> events = store.query(EventQuery.builder().afterPosition(before).build())) {
        stored = events.toList();
      }
      AggregateTarget target = command.aggregateOrNull();
      UUID stateId = target != null && target.name().equals(aggregateName) ? target.id() : id;
      return new Outcome<>(command, stored, failure, repository.fetchIncludingDeleted(stateId));
    }
  }

  private List<Event<?>> history() {
    List<Event<?>> history = new ArrayList<>();
    int version = 0;
    for (Given g : given) {
      history.add(Event.create(g.name(), g.data()).withAggregate(aggregateName, id, ++version).withMetadata(g.metadata()));
    }
    return history;
  }

  /**
   * What the dispatched command did, to be checked.
   *
   * @param <A> the aggregate type
   */
  public static final class Outcome<A extends AggregateRoot> {
    private final Command<?> command;
    private final List<Event<?>> events;
    private final @Nullable CommandExecutionException failure;
    private final A state;

    private Outcome(Command<?> command, List<Event<?>> events, @Nullable CommandExecutionException failure, A state) {
      this.command = command;
      this.events = events;
      this.failure = failure;
      this.state = state;
    }

    /** Asserts the command succeeded and stored exactly this one event. */
    public Outcome<A> thenRaised(String eventName, Object data) {
      return thenRaised(List.of(RaisedEvent.of(eventName, data)));
    }

    /** Asserts the command succeeded and stored exactly these events, in order. */
    public Outcome<A> thenRaised(RaisedEvent... expected) {
      return thenRaised(List.of(expected));
    }

    /**
     * Asserts the command succeeded and stored exactly these events, in order (metadata compared
     * as {@link RaisedEvent} describes).
     */
    public Outcome<A> thenRaised(List<RaisedEvent> expected) {
      requireSuccess();
      RaisedEvent.assertMatch(expected, events, "the command stored");
      return this;
    }

    /** Asserts the command succeeded and stored nothing. */
    public Outcome<A> thenNothingRaised() {
      return thenRaised(List.of());
    }

    /** Asserts the command was rejected with {@code code} and stored nothing. */
    public Outcome<A> thenRejected(String code) {
      Objects.requireNonNull(code, "code");
      CommandExecutionException e = rejection();
      if (!code.equals(e.code())) {
        throw new AssertionError("expected the rejection code " + code + " but got " + e, e);
      }
      if (!events.isEmpty()) {
        throw new AssertionError("the command was rejected but stored " + RaisedEvent.describe(events), e);
      }
      return this;
    }

    /**
     * Asserts the command was rejected with {@code code} and a message containing {@code
     * messagePart}, and stored nothing.
     */
    public Outcome<A> thenRejected(String code, String messagePart) {
      Objects.requireNonNull(messagePart, "messagePart");
      thenRejected(code);
      CommandExecutionException e = rejection();
      if (e.getMessage() == null || !e.getMessage().contains(messagePart)) {
        throw new AssertionError(
            "expected a message containing \"" + messagePart + "\" but got \"" + e.getMessage() + "\"", e);
      }
      return this;
    }

    /** Runs assertions on the target aggregate as stored after the command. */
    public Outcome<A> thenState(Consumer<? super A> assertions) {
      Objects.requireNonNull(assertions, "assertions");
      requireSuccess();
      assertions.accept(state);
      return this;
    }

    /** The command that was dispatched (its id is the causation id of the stored events). */
    public Command<?> command() {
      return command;
    }

    /** The events the command stored, with their metadata, versions and positions. */
    public List<Event<?>> events() {
      return events;
    }

    /**
     * The exception the dispatcher got, for checks of its details.
     *
     * @throws AssertionError when the command succeeded
     */
    public CommandExecutionException rejection() {
      if (failure == null) {
        throw new AssertionError(
            "expected a rejection but " + command + " succeeded and stored " + RaisedEvent.describe(events));
      }
      return failure;
    }

    private void requireSuccess() {
      if (failure != null) {
        throw new AssertionError("the command was rejected: " + failure, failure);
      }
    }
  }
}
