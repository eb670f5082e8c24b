package dev.fabula.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.memory.InMemory;
import dev.fabula.repository.Repository;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AggregateCommandsTest {
  record CreateProduct(String name, int price) {}

  record ChangePrice(int price) {}

  record ProductCreated(String name, int price) {}

  record PriceChanged(int price) {}

  static final class Product extends AggregateRoot {
    static final List<String> HOOK_LOG = new CopyOnWriteArrayList<>();

    static final AggregateCommands<Product> COMMANDS =
        AggregateCommands.<Product>builder()
            .on("product.create", CreateProduct.class, (p, c) -> p.create(c.payload().name(), c.payload().price()))
            .on("product.change-price", ChangePrice.class, (p, c) -> p.changePrice(c.payload().price()))
            .before((p, c) -> HOOK_LOG.add("before " + c.name() + " v" + p.version()))
            .after((p, c) -> HOOK_LOG.add("after " + c.name() + " v" + p.version()))
            .build();

    String name = "";
    int price;

    Product(UUID id) {
      super("product", id);
      on("product.created", ProductCreated.class, e -> {
        name = e.name();
        price = e.price();
      });
      on("product.price-changed", PriceChanged.class, e -> price = e.price());
    }

    void create(String productName, int productPrice) {
      if (version() > 0) {
        throw new CommandRejectedException("product.exists", "product " + id() + " already exists");
      }
      checkPrice(productPrice);
      raise("product.created", new ProductCreated(productName, productPrice));
    }

    void changePrice(int newPrice) {
      if (version() == 0) {
        throw new CommandRejectedException("product.unknown", "no product " + id());
      }
      checkPrice(newPrice);
      raise("product.price-changed", new PriceChanged(newPrice));
    }

    private static void checkPrice(int p) {
      if (p <= 0) {
        throw new CommandRejectedException(
            "product.price-not-positive", "a price must be positive", Map.of("price", "" + p));
      }
    }
  }

  private final EventStore store = InMemory.eventStore();
  private final Repository<Product> products = Repository.of(store, Product::new);
  private final CommandBus bus = CommandBuses.inProcess();

  @AfterEach
  void close() {
    bus.close();
    store.close();
  }

  private List<Event<?>> history(UUID id) {
    try (Stream<Event<?>> events = store.query(EventQuery.builder().aggregate("product", id).build())) {
      return events.toList();
    }
  }

  @Test
  void commandsRunThroughTheRepositoryAndTheirIdsFlowIntoTheEvents() {
    Product.COMMANDS.subscribe(bus, products);
    UUID id = UUID.randomUUID();
    Command<CreateProduct> create =
        Command.create("product.create", new CreateProduct("Wireless Mouse", 2999))
            .forAggregate("product", id)
            .withCorrelationId("request-1")
            .withMetadata(Metadata.of("user", "ann").with(Metadata.CORRELATION_ID, "request-1"));
    Command<ChangePrice> change =
        Command.create("product.change-price", new ChangePrice(2499)).forAggregate("product", id);

    bus.dispatch(create, DispatchOptions.sync());
    bus.dispatch(change, DispatchOptions.sync());

    Product product = products.fetch(id);
    assertThat(product.name).isEqualTo("Wireless Mouse");
    assertThat(product.price).isEqualTo(2499);
    List<Event<?>> events = history(id);
    assertThat(events).extracting(Event::name).containsExactly("product.created", "product.price-changed");
    assertThat(events.get(0).metadata().values())
        .containsEntry(Metadata.CAUSATION_ID, create.id().toString())
        .containsEntry(Metadata.CORRELATION_ID, "request-1")
        .containsEntry("user", "ann");
    assertThat(events.get(1).metadata().values())
        .containsEntry(Metadata.CAUSATION_ID, change.id().toString())
        .containsEntry(Metadata.CORRELATION_ID, change.id().toString());
  }

  @Test
  void aRejectedCommandReachesTheCallerAndStoresNothing() {
    Product.COMMANDS.subscribe(bus, products);
    UUID id = UUID.randomUUID();
    bus.dispatch(
        Command.create("product.create", new CreateProduct("Mouse", 10)).forAggregate("product", id),
        DispatchOptions.sync());

    var e =
        catchThrowableOfType(
            CommandExecutionException.class,
            () -> bus.dispatch(
                Command.create("product.change-price", new ChangePrice(-5)).forAggregate("product", id),
                DispatchOptions.sync()));

    assertThat(e.code()).isEqualTo("product.price-not-positive");
    assertThat(e.details()).isEqualTo(Map.of("price", "-5"));
    assertThat(history(id)).hasSize(1);
  }

  @Test
  void aCommandWithoutOrWithTheWrongTargetIsRejectedWithAFrameworkCode() {
    Product.COMMANDS.subscribe(bus, products);
    assertThatThrownBy(
            () -> bus.dispatch(Command.create("product.create", new CreateProduct("x", 1)), DispatchOptions.sync()))
        .isInstanceOfSatisfying(
            CommandExecutionException.class, e -> assertThat(e.code()).isEqualTo(AggregateCommands.NO_AGGREGATE))
        .hasMessageContaining("'product.create' has no aggregate target")
        .hasMessageNotContaining(" a product");
    assertThatThrownBy(
            () -> bus.dispatch(
                Command.create("product.create", new CreateProduct("x", 1)).forAggregate("order", UUID.randomUUID()),
                DispatchOptions.sync()))
        .isInstanceOfSatisfying(
            CommandExecutionException.class, e -> assertThat(e.code()).isEqualTo(AggregateCommands.WRONG_AGGREGATE))
        .hasMessageContaining("targets aggregate type order, but its handler works on product aggregates")
        .hasMessageNotContaining(" a order");
  }

  static final class RuleBroken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RuleBroken(String message) {
      super(message);
    }
  }

  @Test
  void declaredDomainExceptionsBecomeRejectionsWithTheirCode() {
    AggregateCommands<Product> commands =
        AggregateCommands.<Product>builder()
            .on("product.create", CreateProduct.class, (p, c) -> {
              throw new RuleBroken("names must be unique");
            })
            .on("product.change-price", ChangePrice.class, (p, c) -> {
              throw new IllegalStateException("not declared");
            })
            .reject(RuleBroken.class, "product.rule")
            .build();
    commands.subscribe(bus, products);
    UUID id = UUID.randomUUID();

    var e =
        catchThrowableOfType(
            CommandExecutionException.class,
            () -> bus.dispatch(
                Command.create("product.create", new CreateProduct("x", 1)).forAggregate("product", id),
                DispatchOptions.sync()));
    assertThat(e.code()).isEqualTo("product.rule");
    assertThat(e.getMessage()).isEqualTo("names must be unique");
    assertThat(e.details()).containsEntry(CommandError.EXCEPTION_DETAIL, RuleBroken.class.getName());
    assertThat(e.getCause()).isInstanceOf(CommandRejectedException.class).hasCauseInstanceOf(RuleBroken.class);

    assertThatThrownBy(
            () -> bus.dispatch(
                Command.create("product.change-price", new ChangePrice(1)).forAggregate("product", id),
                DispatchOptions.sync()))
        .isInstanceOfSatisfying(
            CommandExecutionException.class, x -> assertThat(x.code()).isEqualTo(CommandError.UNEXPECTED));
    assertThat(history(id)).isEmpty();
  }

  @Test
  void hooksRunAroundTheActionOnTheFetchedAggregate() {
    Product.HOOK_LOG.clear();
    Product.COMMANDS.subscribe(bus, products);
    UUID id = UUID.randomUUID();
    bus.dispatch(
        Command.create("product.create", new CreateProduct("Mouse", 10)).forAggregate("product", id),
        DispatchOptions.sync());
    assertThat(Product.HOOK_LOG).containsExactly("before product.create v0", "after product.create v1");
  }

  @Test
  void subscribingTwiceOnOneBusFailsAndLeavesNothingHalfRegistered() {
    HandlerRegistration first = Product.COMMANDS.subscribe(bus, products);
    assertThat(first.commandNames()).containsExactlyInAnyOrder("product.create", "product.change-price");
    assertThatThrownBy(() -> Product.COMMANDS.subscribe(bus, products)).isInstanceOf(DuplicateHandlerException.class);
    first.close();
    Product.COMMANDS.subscribe(bus, products); // all names free again
  }

  @Test
  void overADistributedBusTheMetadataCrossesTheProtocol() {
    CodecRegistry registry =
        CommandBuses.registerProtocol(CodecRegistry.builder())
            .register("product.create", CreateProduct.class)
            .register("product.change-price", ChangePrice.class)
            .build();
    var codec = new TestCodec(registry);
    try (EventBus events = InMemory.eventBus();
        CommandBus handler = CommandBuses.distributed(events, codec);
        CommandBus dispatcher = CommandBuses.distributed(events, codec)) {
      Product.COMMANDS.subscribe(handler, products);
      UUID id = UUID.randomUUID();
      Command<CreateProduct> create =
          Command.create("product.create", new CreateProduct("Mouse", 10))
              .forAggregate("product", id)
              .withCorrelationId("corr-9");

      dispatcher.dispatch(create, DispatchOptions.sync());

      assertThat(history(id)).singleElement().satisfies(e -> {
        assertThat(e.metadata().correlationId()).contains("corr-9");
        assertThat(e.metadata().causationId()).contains(create.id().toString());
      });
    }
  }

  static class RuleBrokenHere extends RuntimeException {}

  static class NarrowerRuleBroken extends RuleBrokenHere {}

  @Test
  void aCommandNameOrARejectedTypeDeclaredTwiceIsRefusedNamingBoth() {
    assertThatThrownBy(
            () ->
                AggregateCommands.<Product>builder()
                    .on("product.create", CreateProduct.class, (p, c) -> {})
                    .on("product.create", ChangePrice.class, (p, c) -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("on(\"product.create\", " + CreateProduct.class.getName() + ".class, …) was already set; "
            + "on(\"product.create\", " + ChangePrice.class.getName() + ".class, …) would replace it");
    assertThatThrownBy(
            () -> AggregateCommands.<Product>builder().reject(RuleBrokenHere.class, "a").reject(RuleBrokenHere.class, "b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("reject(" + RuleBrokenHere.class.getName() + ".class, \"a\") was already set; reject("
            + RuleBrokenHere.class.getName() + ".class, \"b\")");
  }

  @Test
  void aRejectionAnEarlierOneAlwaysWinsOverIsAContradiction() {
    assertThatThrownBy(
            () ->
                AggregateCommands.<Product>builder()
                    .reject(RuleBrokenHere.class, "broad")
                    .reject(NarrowerRuleBroken.class, "narrow"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("reject(" + NarrowerRuleBroken.class.getName() + ".class, \"narrow\") contradicts reject("
            + RuleBrokenHere.class.getName() + ".class, \"broad\")");
  }

  @Test
  void differentNamesAndANarrowerRejectionFirstAccumulate() {
    AggregateCommands<Product> commands =
        AggregateCommands.<Product>builder()
            .on("product.create", CreateProduct.class, (p, c) -> {})
            .on("product.change-price", ChangePrice.class, (p, c) -> {})
            .reject(NarrowerRuleBroken.class, "narrow") // the narrower first: both can apply
            .reject(RuleBrokenHere.class, "broad")
            .before((p, c) -> {})
            .before((p, c) -> {})
            .build();
    assertThat(commands.commandNames()).containsExactlyInAnyOrder("product.create", "product.change-price");
  }
}
