package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.examples.shop.ProductEvents.PriceChanged;
import dev.fabula.examples.shop.ProductEvents.ProductCreated;
import dev.fabula.examples.shop.ProductEvents.ProductRenamed;
import dev.fabula.testing.AggregateFixture;
import dev.fabula.testing.RaisedEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProductTest {
  private final AggregateFixture<Product> product = AggregateFixture.of(Product::new);

  @Test
  void createsAProduct() {
    product.when(p -> p.create("Wireless Mouse", 2999))
        .thenRaised(ProductEvents.CREATED, new ProductCreated("Wireless Mouse", 2999))
        .thenState(p -> assertThat(p.priceCents()).isEqualTo(2999));
  }

  @Test
  void refusesToCreateTwice() {
    product.given(ProductEvents.CREATED, new ProductCreated("Mouse", 100))
        .when(p -> p.create("Mouse", 100))
        .thenThrows(ProductRuleException.class, "already exists");
  }

  @Test
  void changesThePriceRecordingOldAndNew() {
    product.given(ProductEvents.CREATED, new ProductCreated("Mouse", 2999))
        .when(p -> p.changePrice(2499))
        .thenRaised(ProductEvents.PRICE_CHANGED, new PriceChanged(2999, 2499));
  }

  @Test
  void refusesANonPositiveOrUnchangedPrice() {
    product.given(ProductEvents.CREATED, new ProductCreated("Mouse", 2999))
        .when(p -> p.changePrice(0))
        .thenThrows(ProductRuleException.class, "must be positive");
    product.when(p -> p.changePrice(2999)).thenThrows(ProductRuleException.class, "already 2999");
  }

  @Test
  void refusesChangesToAProductThatDoesNotExist() {
    product.when(p -> p.changePrice(10)).thenThrows(ProductRuleException.class, "does not exist");
    product.when(p -> p.rename("x")).thenThrows(ProductRuleException.class, "does not exist");
  }

  @Test
  void renamesAfterAHistoryOfChanges() {
    product.given(ProductEvents.CREATED, new ProductCreated("Mouse", 2999))
        .given(ProductEvents.PRICE_CHANGED, new PriceChanged(2999, 2499))
        .given(ProductEvents.RENAMED, new ProductRenamed("Mouse", "Mouse M1"))
        .when(p -> {
          p.rename("Mouse M2");
          p.changePrice(1999);
        })
        .thenRaised(
            RaisedEvent.of(ProductEvents.RENAMED, new ProductRenamed("Mouse M1", "Mouse M2")),
            RaisedEvent.of(ProductEvents.PRICE_CHANGED, new PriceChanged(2499, 1999)))
        .thenState(p -> assertThat(p.version()).isEqualTo(5));
  }

  @Test
  void refusesBlankAndOverlongNames() {
    product.when(p -> p.create(" ", 100)).thenThrows(ProductRuleException.class, "needs a name");
    product.when(p -> p.create("x".repeat(101), 100)).thenThrows(ProductRuleException.class, "at most 100");
  }

  @Test
  void theExampleTellsItsStory() throws Exception {
    var buffer = new ByteArrayOutputStream();
    ShopExample.run(new PrintStream(buffer, true, StandardCharsets.UTF_8), new ShopBackend.Memory());
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains("created   Wireless Mouse at EUR 29.99")
        .contains("repriced  Wireless Mouse to EUR 24.99")
        .contains("created   Mouse Pad at EUR 9.99")
        .contains("rejected  product.change-price ChangePrice[newPriceCents=-100]: [product.rule-broken] a price must be positive")
        .contains("(caused by command ")
        .contains("v3 product.renamed")
        .contains("As of version 1 it was Wireless Mouse at EUR 29.99.")
        .contains("All 4 events were also published")
        .contains("Wireless Mouse M2    EUR 24.99")
        .contains("Mouse Pad            EUR 9.99")
        .contains("Shop statistics: 2 product(s), average price EUR 17.49, 1 price change(s), 1 rename(s)")
        .containsPattern("Product page of [0-9a-f-]{36} \\(read model in a repository\\): Wireless Mouse M2,"
            + " price history \\[EUR 29.99, EUR 24.99\\], version 3");
  }
}
