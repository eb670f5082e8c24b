package dev.fabula.console;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.AbstractProjection;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.Resettable;
import dev.fabula.projection.Schedule;
import dev.fabula.repository.Repository;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Example-like data for the console's tests: products (an aggregate with created, priced and
 * renamed events), a catalog projection on a continuous schedule, an event whose name the registry
 * does not know holding plain JSON, one holding a type the console must never read, and an event
 * whose name and payload carry markup.
 */
final class Shop implements AutoCloseable {
  static final String CREATED = "product.created";
  static final String PRICED = "product.priced";
  static final String RENAMED = "product.renamed";
  static final String MARKUP_NAME = "<img src=x onerror=\"window.pwned=1\">";
  static final String MARKUP_TEXT = "<script>window.pwned=1</script>";

  record ProductCreated(String name, long priceCents) {}

  record Priced(long priceCents) {}

  record Renamed(String name) {}

  record Note(String text) {}

  /** Data of an unregistered name: reading it reflectively (as a JSON writer would) is noticed. */
  static final class Secret {
    static final AtomicBoolean READ = new AtomicBoolean();

    public String getValue() {
      READ.set(true);
      return "secret";
    }

    @Override
    public String toString() {
      READ.set(true);
      return "secret";
    }
  }

  record State(String name, long priceCents, int version) {}

  static final class Product extends AggregateRoot {
    String name = "";
    long priceCents;

    Product(UUID id) {
      super("product", id);
      on(CREATED, ProductCreated.class, e -> {
        name = e.name();
        priceCents = e.priceCents();
      });
      on(PRICED, Priced.class, e -> priceCents = e.priceCents());
      on(RENAMED, Renamed.class, e -> name = e.name());
    }

    void create(String n, long price) {
      raise(CREATED, new ProductCreated(n, price));
    }

    void price(long price) {
      raise(PRICED, new Priced(price));
    }

    void rename(String n) {
      raise(RENAMED, new Renamed(n));
    }

    State state() {
      return new State(name, priceCents, version());
    }
  }

  /** Product names by id; resettable, so the console can rebuild it. */
  static final class Catalog extends AbstractProjection implements ProgressAware, Resettable {
    final Map<UUID, String> names = new ConcurrentHashMap<>();
    volatile long position;
    /** How long each event takes to apply: lets a browser see a rebuild's progress bar move. */
    volatile long delayMillis;

    Catalog() {
      super("catalog");
      on(CREATED, ProductCreated.class, e -> put(e.aggregate().orElseThrow().id(), e.data().name()));
      on(RENAMED, Renamed.class, e -> put(e.aggregate().orElseThrow().id(), e.data().name()));
    }

    private void put(UUID id, String name) {
      if (delayMillis > 0) {
        try {
          Thread.sleep(delayMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while applying", e);
        }
      }
      names.put(id, name);
    }

    @Override
    public long progress() {
      return position;
    }

    @Override
    public void progress(long p) {
      position = p;
    }

    @Override
    public void reset() {
      names.clear();
      position = 0;
    }
  }

  final CodecRegistry registry = CodecRegistry.builder()
      .register(CREATED, ProductCreated.class)
      .register(PRICED, Priced.class)
      .register(RENAMED, Renamed.class)
      .register(MARKUP_NAME, Note.class)
      .build();
  final EventBus bus = InMemory.eventBus();
  final EventStore raw = InMemory.eventStore();
  final EventStore store = EventStores.publishing(raw, bus);
  final Repository<Product> products = Repository.of(store, Product::new);
  final Schedule schedule = Schedule.continuously(bus, raw, Set.of(CREATED, RENAMED));
  final Catalog catalog = new Catalog();
  final List<UUID> ids;

  Shop() {
    schedule.project(catalog);
    UUID lamp = UUID.randomUUID();
    UUID chair = UUID.randomUUID();
    UUID desk = UUID.randomUUID();
    products.use(lamp, p -> p.create("Lamp", 1999));
    products.use(chair, p -> p.create("Chair", 4900));
    products.use(lamp, p -> p.price(2499));
    products.use(desk, p -> p.create("Desk", 12900));
    products.use(lamp, p -> p.rename("Desk lamp"));
    products.use(chair, p -> p.price(3900));
    store.insert(List.of(Event.create("note.imported", Map.of("text", "plain JSON", "count", 2))));
    store.insert(List.of(Event.create("secret.imported", new Secret())));
    store.insert(List.of(Event.create(MARKUP_NAME, new Note(MARKUP_TEXT))));
    ids = List.of(lamp, chair, desk);
    schedule.awaitCaughtUp(java.time.Duration.ofSeconds(30));
  }

  ConsoleOptions.Builder options() {
    return ConsoleOptions.builder(store, registry)
        .aggregate(products, Product::state)
        .schedule("catalog", schedule)
        .port(0);
  }

  @Override
  public void close() {
    schedule.close();
    bus.close();
    store.close();
  }
}
