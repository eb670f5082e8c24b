package dev.fabula.cli;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.event.Metadata;
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

/** Test data: shopping carts (an aggregate), a projection counting their items, other events. */
final class Carts implements AutoCloseable {
  static final String OPENED = "cart.opened";
  static final String ADDED = "cart.item-added";
  static final String NOTE = "note.written";

  record Opened(String owner) {}

  record Added(String item, long cents) {}

  record Note(String text) {}

  record State(String owner, int items, int version) {}

  static CodecRegistry registry() {
    return CodecRegistry.builder().register(OPENED, Opened.class).register(ADDED, Added.class).register(NOTE, Note.class).build();
  }

  static final class Cart extends AggregateRoot {
    String owner = "";
    int items;

    Cart(UUID id) {
      super("cart", id);
      on(OPENED, Opened.class, e -> owner = e.owner());
      on(ADDED, Added.class, e -> items++);
    }

    void open(String who) {
      raise(OPENED, new Opened(who));
    }

    void add(String item, long cents) {
      raise(ADDED, new Added(item, cents));
    }

    State state() {
      return new State(owner, items, version());
    }
  }

  /** Items per cart; resettable, so that a trigger can rebuild it. */
  static final class ItemCounts extends AbstractProjection implements ProgressAware, Resettable {
    final Map<UUID, Integer> counts = new ConcurrentHashMap<>();
    volatile long position;

    ItemCounts() {
      super("item-counts");
      on(ADDED, Added.class, e -> counts.merge(e.aggregate().orElseThrow().id(), 1, Integer::sum));
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
      counts.clear();
      position = 0;
    }
  }

  /**
   * Two carts (versions 1-3 each, interleaved), a note without aggregate with metadata, written to
   * {@code store}; returns the carts' ids.
   */
  static List<UUID> fill(EventStore store) {
    Repository<Cart> carts = Repository.of(store, Cart::new);
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    carts.use(a, c -> c.open("ann"));
    carts.use(b, c -> c.open("bob"));
    carts.use(a, c -> c.add("lamp", 1999));
    store.insert(List.of(Event.create(NOTE, new Note("stock \"taken\" \u00e9\n"))
        .withMetadata(Metadata.of(Metadata.CORRELATION_ID, "corr-1"))));
    carts.use(b, c -> c.add("desk", 12900));
    carts.use(a, c -> c.add("chair", 4900));
    carts.use(b, c -> c.add("pen", 150));
    return List.of(a, b);
  }

  final EventBus bus = InMemory.eventBus();
  final EventStore raw = InMemory.eventStore();
  final EventStore store = EventStores.publishing(raw, bus);
  final Repository<Cart> carts = Repository.of(store, Cart::new);
  final Schedule schedule = Schedule.continuously(bus, raw, Set.of(ADDED));
  final ItemCounts counts = new ItemCounts();
  final List<UUID> ids;

  Carts() {
    schedule.project(counts);
    ids = fill(store);
    schedule.awaitCaughtUp(java.time.Duration.ofSeconds(60));
  }

  @Override
  public void close() {
    schedule.close();
    bus.close();
    store.close();
  }
}
