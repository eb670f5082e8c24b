package dev.fabula.examples.quickstart;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.repository.Repository;
import java.util.UUID;

public class QuickStart {
  record ProductCreated(String name, long priceCents) {}

  record PriceChanged(long oldPriceCents, long newPriceCents) {}

  static final class Product extends AggregateRoot {
    private long price;

    Product(UUID id) {
      super("product", id);
      on("product.created", ProductCreated.class, e -> price = e.priceCents());
      on("product.price-changed", PriceChanged.class, e -> price = e.newPriceCents());
    }

    void create(String name, long priceCents) {
      if (priceCents <= 0) throw new IllegalArgumentException("price must be positive");
      raise("product.created", new ProductCreated(name, priceCents));
    }

    void changePrice(long newPrice) {
      raise("product.price-changed", new PriceChanged(price, newPrice));
    }

    long price() {
      return price;
    }
  }

  public static void main(String[] args) {
    try (EventStore store = InMemory.eventStore()) {
      Repository<Product> products = Repository.of(store, Product::new);
      UUID id = UUID.randomUUID();
      products.use(id, p -> p.create("Wireless Mouse", 2999)); // fetch → run → save
      products.use(id, p -> p.changePrice(2499)); // retried on version conflicts
      Product mouse = products.fetch(id); // replays its two events
      System.out.println("version " + mouse.version() + ", price " + mouse.price());
    }
  }
}
