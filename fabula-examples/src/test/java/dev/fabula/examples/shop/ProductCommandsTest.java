package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.command.Command;
import dev.fabula.event.Metadata;
import dev.fabula.examples.shop.ProductCommands.ChangePrice;
import dev.fabula.examples.shop.ProductCommands.CreateProduct;
import dev.fabula.examples.shop.ProductCommands.RenameProduct;
import dev.fabula.examples.shop.ProductEvents.PriceChanged;
import dev.fabula.examples.shop.ProductEvents.ProductCreated;
import dev.fabula.examples.shop.ProductEvents.ProductRenamed;
import dev.fabula.testing.CommandFixture;
import dev.fabula.testing.RaisedEvent;
import org.junit.jupiter.api.Test;

/** The shop's command handlers, given a product's history. */
class ProductCommandsTest {
  private final CommandFixture<Product> product = CommandFixture.of(Product::new, ProductCommands.HANDLERS);

  @Test
  void createsAProduct() {
    product.when(ProductCommands.CREATE, new CreateProduct("Wireless Mouse", 2999))
        .thenRaised(ProductEvents.CREATED, new ProductCreated("Wireless Mouse", 2999))
        .thenState(p -> assertThat(p.priceCents()).isEqualTo(2999));
  }

  @Test
  void theEventsRememberWhoAskedAndWhichRequest() {
    Command<RenameProduct> rename = Command.create(ProductCommands.RENAME, new RenameProduct("Mouse M2"))
        .forAggregate(Product.NAME, product.id())
        .withMetadata(Metadata.of("user", "ann"))
        .withCorrelationId("checkout-42");
    product.given(ProductEvents.CREATED, new ProductCreated("Mouse", 2999))
        .when(rename)
        .thenRaised(RaisedEvent.of(ProductEvents.RENAMED, new ProductRenamed("Mouse", "Mouse M2"))
            .withMetadata("user", "ann")
            .withMetadata(Metadata.CORRELATION_ID, "checkout-42")
            .withMetadata(Metadata.CAUSATION_ID, rename.id().toString()));
  }

  @Test
  void aBrokenRuleIsACodedRejection() {
    product.given(ProductEvents.CREATED, new ProductCreated("Mouse", 2999))
        .when(ProductCommands.CHANGE_PRICE, new ChangePrice(-100))
        .thenRejected(ProductCommands.RULE_BROKEN, "a price must be positive");
    product.when(ProductCommands.CREATE, new CreateProduct("Mouse", 100))
        .thenRejected(ProductCommands.RULE_BROKEN, "already exists");
  }

  @Test
  void changesThePriceOfAnExistingProduct() {
    product.given(ProductEvents.CREATED, new ProductCreated("Mouse", 2999))
        .given(ProductEvents.PRICE_CHANGED, new PriceChanged(2999, 2499))
        .when(ProductCommands.CHANGE_PRICE, new ChangePrice(1999))
        .thenRaised(ProductEvents.PRICE_CHANGED, new PriceChanged(2499, 1999))
        .thenState(p -> assertThat(p.version()).isEqualTo(3));
  }
}
