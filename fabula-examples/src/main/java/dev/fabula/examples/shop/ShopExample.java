package dev.fabula.examples.shop;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.projection.CatchUp;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.repository.Repository;
import java.time.Duration;
import java.io.PrintStream;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * The shop example: a product is created, repriced and renamed through a repository on the
 * in-memory store (or on PostgreSQL with {@code FABULA_STORE=postgres}); a change that breaks a
 * rule is rejected; the stored history is printed; and a
 * read model (the {@link ProductCatalog}) kept by a continuous schedule shows the current catalog.
 */
public final class ShopExample {
  private ShopExample() {}

  /** Runs the example and prints what happened. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /** Runs the example, printing to {@code out}. */
  static void run(PrintStream out) throws Exception {
    // FABULA_STORE=postgres keeps the events in PostgreSQL (FABULA_POSTGRES_URL, or the local
    // server), in schema fabula_example; anything else uses the in-memory store.
    boolean postgres = "postgres".equalsIgnoreCase(System.getenv("FABULA_STORE"));
    try (HikariDataSource pool = postgres ? Postgres.dataSource(Postgres.urlFromEnvironment()) : null;
        EventBus bus = InMemory.eventBus();
        EventStore store = EventStores.publishing(postgres ? postgresStore(pool) : InMemory.eventStore(), bus)) {
      var published = new java.util.concurrent.CountDownLatch(3);
      bus.subscribe(Set.of(EventBus.ALL), e -> published.countDown());
      Repository<Product> products = Repository.of(store, Product::new);
      var catalog = new ProductCatalog();
      Schedule readSide =
          Schedule.continuously(bus, store, catalog.eventNames(),
              ScheduleOptions.builder()
                  .debounce(Duration.ofMillis(10))
                  .debounceCap(Duration.ofMillis(100))
                  .catchUp(CatchUp.BLOCKING)
                  .build());
      readSide.project(catalog);

      out.println("== Fabula shop example (" + (postgres ? "PostgreSQL" : "in-memory") + " store) ==");
      UUID mouseId = UUID.randomUUID();
      products.use(mouseId, p -> p.create("Wireless Mouse", 2999));
      out.printf("created   %s at %s%n", products.fetch(mouseId).productName(), euros(2999));

      Product mouse = products.use(mouseId, p -> p.changePrice(2499));
      out.printf("repriced  %s to %s%n", mouse.productName(), euros(mouse.priceCents()));

      mouse = products.use(mouseId, p -> p.rename("Wireless Mouse M2"));
      out.printf("renamed   to %s (version %d)%n", mouse.productName(), mouse.version());

      try {
        products.use(mouseId, p -> p.changePrice(-100));
      } catch (ProductRuleException rejected) {
        out.println("rejected  change price to -100: " + rejected.getMessage());
      }

      out.println();
      out.println("Stored history of product " + mouseId + ":");
      try (Stream<Event<?>> history = store.query(EventQuery.builder().aggregate(Product.NAME, mouseId).build())) {
        history.forEach(e -> out.printf("  #%d v%d %-22s %s%n",
            e.position(), e.aggregate().orElseThrow().version(), e.name(), e.data()));
      }
      Product atVersion1 = products.fetchVersion(mouseId, 1);
      out.printf("%nAs of version 1 it was %s at %s.%n", atVersion1.productName(), euros(atVersion1.priceCents()));
      boolean all = published.await(5, java.util.concurrent.TimeUnit.SECONDS);
      out.println(all ? "All 3 events were also published on the event bus." : "Not every event reached the bus!");

      UUID padId = UUID.randomUUID();
      products.use(padId, p -> p.create("Mouse Pad", 999));
      readSide.trigger().get(5, java.util.concurrent.TimeUnit.SECONDS); // wait until the read model is current
      out.println();
      catalog.print(out);
      readSide.close();
    }
  }

  private static EventStore postgresStore(DataSource pool) {
    CodecRegistry registry = CodecRegistry.builder()
        .register(ProductEvents.CREATED, ProductEvents.ProductCreated.class)
        .register(ProductEvents.PRICE_CHANGED, ProductEvents.PriceChanged.class)
        .register(ProductEvents.RENAMED, ProductEvents.ProductRenamed.class)
        .build();
    return Postgres.eventStore(pool, JacksonCodec.create(registry), PostgresOptions.builder().schema("fabula_example").build());
  }

  private static String euros(long cents) {
    return String.format("EUR %d.%02d", cents / 100, cents % 100);
  }
}
