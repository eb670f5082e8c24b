package dev.fabula.examples.shop;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.AggregateCommands;

/** The commands of the shop's products, and how a product handles them. */
public final class ProductCommands {
  /** Puts a new product on sale. */
  public static final String CREATE = "product.create";
  /** Changes a product's price. */
  public static final String CHANGE_PRICE = "product.change-price";
  /** Renames a product. */
  public static final String RENAME = "product.rename";
  /** Error code of a command that broke a business rule. */
  public static final String RULE_BROKEN = "product.rule-broken";

  /**
   * Payload of {@link #CREATE}.
   *
   * @param name the product name
   * @param priceCents the price in cents
   */
  public record CreateProduct(String name, long priceCents) {}

  /**
   * Payload of {@link #CHANGE_PRICE}.
   *
   * @param newPriceCents the new price in cents
   */
  public record ChangePrice(long newPriceCents) {}

  /**
   * Payload of {@link #RENAME}.
   *
   * @param newName the new name
   */
  public record RenameProduct(String newName) {}

  /** Each command runs through the repository's {@code use} on its target product. */
  public static final AggregateCommands<Product> HANDLERS =
      AggregateCommands.<Product>builder()
          .on(CREATE, CreateProduct.class, (p, c) -> p.create(c.payload().name(), c.payload().priceCents()))
          .on(CHANGE_PRICE, ChangePrice.class, (p, c) -> p.changePrice(c.payload().newPriceCents()))
          .on(RENAME, RenameProduct.class, (p, c) -> p.rename(c.payload().newName()))
          .reject(ProductRuleException.class, RULE_BROKEN)
          .build();

  private ProductCommands() {}

  /** Registers the command payloads, as a distributed command bus's codec needs them. */
  public static CodecRegistry.Builder register(CodecRegistry.Builder registry) {
    return registry
        .register(CREATE, CreateProduct.class)
        .register(CHANGE_PRICE, ChangePrice.class)
        .register(RENAME, RenameProduct.class);
  }
}
