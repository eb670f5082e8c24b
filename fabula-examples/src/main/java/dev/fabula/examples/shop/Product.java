package dev.fabula.examples.shop;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.examples.shop.ProductEvents.PriceChanged;
import dev.fabula.examples.shop.ProductEvents.ProductCreated;
import dev.fabula.examples.shop.ProductEvents.ProductRenamed;
import java.util.UUID;

/**
 * A product of the shop: the consistency boundary for its name and price. Each domain method checks
 * the business rules against the current state, then raises the event that records the change.
 */
public final class Product extends AggregateRoot {
  /** The aggregate name under which products are stored. */
  public static final String NAME = "product";

  private String name = "";
  private long priceCents;

  /** An empty product with this id, as the repository creates it before replaying events. */
  public Product(UUID id) {
    super(NAME, id);
    on(ProductEvents.CREATED, ProductCreated.class, e -> {
      name = e.name();
      priceCents = e.priceCents();
    });
    on(ProductEvents.PRICE_CHANGED, PriceChanged.class, e -> priceCents = e.newPriceCents());
    on(ProductEvents.RENAMED, ProductRenamed.class, e -> name = e.newName());
  }

  /** Puts the product on sale. */
  public void create(String productName, long price) {
    if (exists()) {
      throw new ProductRuleException("product " + id() + " already exists");
    }
    raise(ProductEvents.CREATED, new ProductCreated(validName(productName), validPrice(price)));
  }

  /** Changes the price. */
  public void changePrice(long newPrice) {
    requireExists();
    if (newPrice == priceCents) {
      throw new ProductRuleException("the price of " + name + " is already " + newPrice);
    }
    raise(ProductEvents.PRICE_CHANGED, new PriceChanged(priceCents, validPrice(newPrice)));
  }

  /** Renames the product. */
  public void rename(String newName) {
    requireExists();
    String valid = validName(newName);
    if (valid.equals(name)) {
      throw new ProductRuleException("the product is already called " + name);
    }
    raise(ProductEvents.RENAMED, new ProductRenamed(name, valid));
  }

  /** Whether the product was created. */
  public boolean exists() {
    return version() > 0;
  }

  /** The current name. */
  public String productName() {
    return name;
  }

  /** The current price in cents. */
  public long priceCents() {
    return priceCents;
  }

  private void requireExists() {
    if (!exists()) {
      throw new ProductRuleException("product " + id() + " does not exist");
    }
  }

  private static String validName(String candidate) {
    if (candidate == null || candidate.isBlank()) {
      throw new ProductRuleException("a product needs a name");
    }
    if (candidate.length() > 100) {
      throw new ProductRuleException("a product name has at most 100 characters");
    }
    return candidate.strip();
  }

  private static long validPrice(long cents) {
    if (cents <= 0) {
      throw new ProductRuleException("a price must be positive, got " + cents + " cents");
    }
    return cents;
  }
}
