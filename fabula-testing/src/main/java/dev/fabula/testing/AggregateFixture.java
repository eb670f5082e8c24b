package dev.fabula.testing;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Given/when/then tests for aggregates, readable in one test method:
 *
 * <pre>{@code
 * AggregateFixture.of(Product::new)
 *     .given("product.created", new ProductCreated("Mouse", 2999))
 *     .when(p -> p.changePrice(3499))
 *     .thenRaised("product.price-changed", new PriceChanged(2999, 3499));
 * }</pre>
 *
 * <p>{@code given} events are replayed into a fresh aggregate exactly as the repository would
 * (versions are filled in), {@code when} runs a domain method, and the {@code then} methods check
 * the events it raised, the error it threw, or the resulting state. Failures are {@link
 * AssertionError}s that show expected and actual events.
 *
 * <p>Metadata: a given event may carry some (for aggregates that read it in {@code apply}), and
 * {@link #when(Metadata, Consumer)} adds metadata to the raised events the way {@code
 * Repository.use(id, metadata, action)} does when it saves them, so {@link RaisedEvent}s with
 * metadata can check it:
 *
 * <pre>{@code
 * AggregateFixture.of(Product::new)
 *     .given("product.created", new ProductCreated("Mouse", 2999), Metadata.of("tenant", "t1"))
 *     .when(Metadata.of("user", "ann"), p -> p.changePrice(3499))
 *     .thenRaised(RaisedEvent.of("product.price-changed", new PriceChanged(2999, 3499))
 *         .withMetadata("user", "ann"));
 * }</pre>
 *
 * <p>A fixture may be reused: each {@code when} starts from a fresh aggregate and the given events.
 * @param <A> the aggregate type
 */
public final class AggregateFixture<A extends AggregateRoot> {
  private final Function<UUID, A> factory;
  private final UUID id;
  private final List<Given> given = new ArrayList<>();

  private record Given(String name, Object data, Metadata metadata) {}

  private AggregateFixture(Function<UUID, A> factory, UUID id) {
    this.factory = Objects.requireNonNull(factory, "factory");
    this.id = Objects.requireNonNull(id, "id");
  }

  /** A fixture for aggregates made by {@code factory}, with a fresh random id. */
  public static <A extends AggregateRoot> AggregateFixture<A> of(Function<UUID, A> factory) {
    return new AggregateFixture<>(factory, UUID.randomUUID());
  }

  /** A fixture for the aggregate with this id. */
  public static <A extends AggregateRoot> AggregateFixture<A> of(Function<UUID, A> factory, UUID id) {
    return new AggregateFixture<>(factory, id);
  }

  /** The aggregate id the fixture uses. */
  public UUID id() {
    return id;
  }

  /** A past event of the aggregate; call several times for a longer history. */
  public AggregateFixture<A> given(String eventName, Object data) {
    return given(eventName, data, Metadata.empty());
  }

  /** A past event of the aggregate carrying {@code metadata}. */
  public AggregateFixture<A> given(String eventName, Object data, Metadata metadata) {
    given.add(new Given(
        Objects.requireNonNull(eventName, "eventName"),
        Objects.requireNonNull(data, "data"),
        Objects.requireNonNull(metadata, "metadata")));
    return this;
  }

  /** Runs {@code action} on the aggregate rebuilt from the given events. */
  public Outcome<A> when(Consumer<? super A> action) {
    return when(Metadata.empty(), action);
  }

  /**
   * Runs {@code action} on the aggregate rebuilt from the given events; the raised events carry
   * {@code metadata} merged into their own, as {@code Repository.use(id, metadata, action)} would
   * store them.
   */
  public Outcome<A> when(Metadata metadata, Consumer<? super A> action) {
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(action, "action");
    A aggregate = factory.apply(id);
    List<Event<?>> history = new ArrayList<>();
    int version = 0;
    for (Given g : given) {
      history.add(Event.create(g.name(), g.data()).withAggregate(aggregate.name(), id, ++version).withMetadata(g.metadata()));
    }
    aggregate.replay(history);
    try {
      action.accept(aggregate);
      return new Outcome<>(aggregate, metadata, null);
    } catch (RuntimeException e) {
      return new Outcome<>(aggregate, metadata, e);
    }
  }

  /**
   * What {@code when} did, to be checked.
   *
   * @param <A> the aggregate type
   */
  public static final class Outcome<A extends AggregateRoot> {
    private final A aggregate;
    private final Metadata metadata;
    private final @Nullable RuntimeException error;

    private Outcome(A aggregate, Metadata metadata, @Nullable RuntimeException error) {
      this.aggregate = aggregate;
      this.metadata = metadata;
      this.error = error;
    }

    /** Asserts the action raised exactly this one event. */
    public Outcome<A> thenRaised(String eventName, Object data) {
      return thenRaised(List.of(RaisedEvent.of(eventName, data)));
    }

    /** Asserts the action raised exactly these events, in order. */
    public Outcome<A> thenRaised(RaisedEvent... expected) {
      return thenRaised(List.of(expected));
    }

    /**
     * Asserts the action raised exactly these events, in order (metadata compared as {@link
     * RaisedEvent} describes).
     */
    public Outcome<A> thenRaised(List<RaisedEvent> expected) {
      requireNoError();
      RaisedEvent.assertMatch(expected, events(), "the aggregate raised");
      return this;
    }

    /** Asserts the action raised nothing and threw nothing. */
    public Outcome<A> thenNothingRaised() {
      return thenRaised(List.of());
    }

    /**
     * Asserts the action threw {@code type} with a message containing {@code messagePart}, and
     * raised nothing.
     */
    public Outcome<A> thenThrows(Class<? extends Throwable> type, String messagePart) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(messagePart, "messagePart");
      if (error == null) {
        throw new AssertionError("expected " + type.getName() + " but the action succeeded and raised " + raised());
      }
      if (!type.isInstance(error)) {
        throw new AssertionError("expected " + type.getName() + " but got " + error, error);
      }
      if (error.getMessage() == null || !error.getMessage().contains(messagePart)) {
        throw new AssertionError("expected a message containing \"" + messagePart + "\" but got \"" + error.getMessage() + "\"", error);
      }
      if (!aggregate.changes().isEmpty()) {
        throw new AssertionError("the action threw but still raised " + raised());
      }
      return this;
    }

    /** Runs assertions on the aggregate's state after the action. */
    public Outcome<A> thenState(Consumer<? super A> assertions) {
      Objects.requireNonNull(assertions, "assertions");
      requireNoError();
      assertions.accept(aggregate);
      return this;
    }

    /** The aggregate after the action, for checks the fixture does not offer. */
    public A aggregate() {
      return aggregate;
    }

    /** The raised events as the repository would store them: with the {@code when} metadata. */
    public List<Event<?>> events() {
      if (metadata.isEmpty()) {
        return aggregate.changes();
      }
      return aggregate.changes().stream()
          .<Event<?>>map(e -> e.withMetadata(e.metadata().merge(metadata)))
          .toList();
    }

    private List<String> raised() {
      return RaisedEvent.describe(events());
    }

    private void requireNoError() {
      if (error != null) {
        throw new AssertionError("the action threw " + error, error);
      }
    }
  }
}
