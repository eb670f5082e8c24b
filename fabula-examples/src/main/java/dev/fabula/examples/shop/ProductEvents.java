package dev.fabula.examples.shop;

/** The events of a {@link Product}: their names and their data. */
public final class ProductEvents {
  /** A product was put on sale. */
  public static final String CREATED = "product.created";
  /** A product's price changed. */
  public static final String PRICE_CHANGED = "product.price-changed";
  /** A product got a new name. */
  public static final String RENAMED = "product.renamed";

  private ProductEvents() {}

  /**
   * Data of {@link #CREATED}.
   *
   * @param name the product name
   * @param priceCents the price in cents
   */
  public record ProductCreated(String name, long priceCents) {}

  /**
   * Data of {@link #PRICE_CHANGED}.
   *
   * @param oldPriceCents the price before
   * @param newPriceCents the price after
   */
  public record PriceChanged(long oldPriceCents, long newPriceCents) {}

  /**
   * Data of {@link #RENAMED}.
   *
   * @param oldName the name before
   * @param newName the name after
   */
  public record ProductRenamed(String oldName, String newName) {}
}
