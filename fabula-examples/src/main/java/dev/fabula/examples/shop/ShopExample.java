package dev.fabula.examples.shop;

import com.mongodb.client.MongoClient;
import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.console.Console;
import dev.fabula.console.ConsoleOptions;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.event.Subscription;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.mongodb.MongoDb;
import dev.fabula.postgres.Postgres;
import dev.fabula.projection.CatchUp;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.repository.Repository;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The shop example: a product is created, repriced and renamed by commands dispatched on a command
 * bus, whose handlers run through a repository on the in-memory store (on PostgreSQL with {@code
 * FABULA_STORE=postgres}, on MongoDB with {@code FABULA_STORE=mongodb}); a command that breaks a
 * rule is rejected with its error code; a second product is created; the first one's stored
 * history is printed; and two read models kept by a continuous schedule show the result: the
 * {@link ProductCatalog} in memory, and the {@link ProductPages} in a read-model repository of the
 * same backend as the events. The commands are the same script the client of the shop in three
 * processes sends ({@link ShopProcess}).
 *
 * <p>On PostgreSQL and MongoDB every run starts clean: it drops the schema or database {@value
 * #SCHEMA} that an earlier run left (the example owns it), and leaves its own events there for you
 * to look at until the next run.
 */
public final class ShopExample {
  /** The PostgreSQL schema or MongoDB database the example owns: dropped at the start of each run. */
  public static final String SCHEMA = "fabula_example";

  private ShopExample() {}

  /** Runs the example and prints what happened. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /**
   * Runs the example, printing to {@code out}: on PostgreSQL ({@code FABULA_POSTGRES_URL}, or the
   * local server) when {@code FABULA_STORE=postgres}, on MongoDB ({@code FABULA_MONGO_URL}, or the
   * local server) when {@code FABULA_STORE=mongodb}, else in memory.
   */
  static void run(PrintStream out) throws Exception {
    switch (ShopBackend.kind(System.getenv("FABULA_STORE"))) {
      case "postgres" -> {
        try (HikariDataSource pool = Postgres.dataSource(Postgres.urlFromEnvironment())) {
          run(out, new ShopBackend.Postgresql(pool, SCHEMA));
        }
      }
      case "mongodb" -> {
        try (MongoClient client = MongoDb.client(MongoDb.urlFromEnvironment())) {
          run(out, new ShopBackend.Mongo(client, SCHEMA));
        }
      }
      default -> run(out, new ShopBackend.Memory());
    }
  }

  /** Runs the example on {@code backend}, emptied first, so the run starts clean. */
  static void run(PrintStream out, ShopBackend backend) throws Exception {
    // The write side: an event store that publishes what it stores on an event bus.
    var productEvents = Set.of(ProductEvents.CREATED, ProductEvents.PRICE_CHANGED, ProductEvents.RENAMED);
    // Every command that is done stores one event.
    long stored = ShopScript.STEPS.stream().filter(step -> !step.breaksARule()).count();
    var published = new CountDownLatch(Math.toIntExact(stored));
    var catalog = new ProductCatalog();
    var codec = JacksonCodec.create(ProductPages.register(ShopStorage.registerEvents(
        ProductCommands.register(CommandBuses.registerProtocol(CodecRegistry.builder())))).build());
    out.println("== Fabula shop example (" + backend.label() + " store) ==");
    backend.startClean(out);
    var pages = new ProductPages(backend.pages(codec));
    try (EventBus bus = InMemory.eventBus();
        EventStore store = EventStores.publishing(backend.eventStore(codec), bus);
        Subscription counter = bus.subscribe(productEvents, e -> published.countDown());
        // The read side: a catalog kept current by a continuous schedule.
        Schedule readSide = Schedule.continuously(bus, store, catalog.eventNames(),
            ScheduleOptions.builder()
                .debounce(Duration.ofMillis(10))
                .debounceCap(Duration.ofMillis(100))
                .catchUp(CatchUp.BLOCKING)
                .build());
        // Commands travel over the event bus with the coordination protocol that also works across
        // processes; their payloads are encoded as JSON, as a networked bus would need.
        CommandBus commands = CommandBuses.distributed(bus, codec)) {
      Repository<Product> products = Repository.of(store, Product::new);
      readSide.project(catalog);
      readSide.project(pages);
      ProductCommands.HANDLERS.subscribe(commands, products);

      UUID mouseId = UUID.randomUUID();
      UUID padId = UUID.randomUUID();
      for (ShopScript.Step step : ShopScript.STEPS) {
        UUID id = step.product(mouseId, padId);
        try {
          ShopScript.send(commands, id, step.name(), step.payload());
        } catch (CommandExecutionException rejected) {
          if (!step.breaksARule()) {
            throw rejected;
          }
          out.printf("rejected  %s %s: [%s] %s%n", step.name(), step.payload(), rejected.code(), rejected.getMessage());
          continue;
        }
        if (step.breaksARule()) {
          throw new IllegalStateException(step.name() + " " + step.payload() + " was done, but the product must reject it");
        }
        tell(step.name(), products.fetch(id), out);
      }

      printHistory(mouseId, store, products, out);
      boolean all = published.await(5, TimeUnit.SECONDS) && counter.isActive();
      out.println(all ? "All " + stored + " events were also published on the event bus." : "Not every event reached the bus!");

      readSide.trigger().get(5, TimeUnit.SECONDS); // wait until the read model is current
      out.println();
      catalog.print(out);
      ProductPages.Page page = pages.page(mouseId).orElseThrow();
      out.printf("%nProduct page of %s (read model in a repository): %s, price history %s, version %d%n",
          mouseId, page.name(), page.priceHistory().stream().map(ShopScript::euros).toList(), page.version());
      if (!backend.leftBehind().isEmpty()) {
        out.println();
        out.println(backend.leftBehind());
      }
      showConsole(store, codec, products, readSide, out);
    }
  }

  /**
   * Serves the web console over this run's store on the loopback interface and prints its address.
   * The run ends at once unless {@code FABULA_CONSOLE=keep}: then the console stays open on port
   * 8089 (or {@code FABULA_CONSOLE_PORT}), with writes enabled, until Ctrl-C.
   */
  private static void showConsole(
      EventStore store, Codec codec, Repository<Product> products, Schedule readSide, PrintStream out)
      throws InterruptedException {
    boolean keep = "keep".equals(System.getenv("FABULA_CONSOLE"));
    int port = keep ? Integer.parseInt(System.getenv().getOrDefault("FABULA_CONSOLE_PORT", "8089")) : 0;
    ConsoleOptions options = ConsoleOptions.builder(store, codec.registry())
        .codec(codec)
        .aggregate(products, p -> Map.of("name", p.productName(), "priceCents", p.priceCents(), "version", p.version()))
        .schedule("read side", readSide)
        .writesEnabled(keep)
        .port(port)
        .build();
    try (Console console = Console.start(options)) {
      out.println();
      if (keep) {
        out.println("Web console: " + console.uri() + " (open until Ctrl-C)");
        Thread.currentThread().join();
      } else {
        out.println("Web console: " + console.uri() + " (served while this run lasts; FABULA_CONSOLE=keep keeps it open)");
      }
    }
  }

  /** Says what a command that was done made of the product. */
  private static void tell(String command, Product product, PrintStream out) {
    switch (command) {
      case ProductCommands.CREATE -> out.printf("created   %s at %s%n", product.productName(), ShopScript.euros(product.priceCents()));
      case ProductCommands.CHANGE_PRICE -> out.printf("repriced  %s to %s%n", product.productName(), ShopScript.euros(product.priceCents()));
      case ProductCommands.RENAME -> out.printf("renamed   to %s (version %d)%n", product.productName(), product.version());
      default -> throw new IllegalArgumentException("the shop's script has no command " + command);
    }
  }

  private static void printHistory(UUID mouseId, EventStore store, Repository<Product> products, PrintStream out) {
    out.println();
    out.println("Stored history of product " + mouseId + ":");
    try (Stream<Event<?>> history = store.query(EventQuery.builder().aggregate(Product.NAME, mouseId).build())) {
      history.forEach(e -> out.printf("  #%d v%d %-22s %s  %s%n",
          e.position(), e.aggregate().orElseThrow().version(), e.name(), e.data(),
          e.metadata().causationId().map(c -> "(caused by command " + c + ")").orElse("")));
    }
    Product atVersion1 = products.fetchVersion(mouseId, 1);
    out.printf("%nAs of version 1 it was %s at %s.%n", atVersion1.productName(), ShopScript.euros(atVersion1.priceCents()));
  }
}
