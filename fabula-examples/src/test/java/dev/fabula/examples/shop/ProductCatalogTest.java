package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.examples.shop.ProductCatalog.Entry;
import dev.fabula.examples.shop.ProductEvents.PriceChanged;
import dev.fabula.examples.shop.ProductEvents.ProductCreated;
import dev.fabula.examples.shop.ProductEvents.ProductRenamed;
import dev.fabula.testing.ProjectionFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The shop's read model, given product events. */
class ProductCatalogTest {
  private final UUID mouse = UUID.randomUUID();
  private final UUID pad = UUID.randomUUID();

  @Test
  void showsTheCurrentNameAndPriceOfEveryProduct() {
    ProjectionFixture.of(new ProductCatalog())
        .given(Product.NAME, mouse, ProductEvents.CREATED, new ProductCreated("Mouse", 2999))
        .given(Product.NAME, pad, ProductEvents.CREATED, new ProductCreated("Pad", 999))
        .given(Product.NAME, mouse, ProductEvents.PRICE_CHANGED, new PriceChanged(2999, 2499))
        .given(Product.NAME, mouse, ProductEvents.RENAMED, new ProductRenamed("Mouse", "Mouse M2"))
        .thenState(catalog -> {
          assertThat(catalog.entry(mouse)).isEqualTo(new Entry("Mouse M2", 2499));
          assertThat(catalog.entry(pad)).isEqualTo(new Entry("Pad", 999));
        });
  }

  @Test
  void countsPriceChangesAndRenamesInItsStatistics() {
    var fixture = ProjectionFixture.of(new ProductCatalog())
        .given(Product.NAME, mouse, ProductEvents.CREATED, new ProductCreated("Mouse", 3000))
        .given(Product.NAME, pad, ProductEvents.CREATED, new ProductCreated("Pad", 1000))
        .given(Product.NAME, pad, ProductEvents.PRICE_CHANGED, new PriceChanged(1000, 900))
        .given(Product.NAME, pad, ProductEvents.PRICE_CHANGED, new PriceChanged(900, 800));
    fixture.thenState(catalog -> {
      var out = new ByteArrayOutputStream();
      catalog.print(new PrintStream(out, true, StandardCharsets.UTF_8));
      assertThat(out.toString(StandardCharsets.UTF_8))
          .contains("Shop statistics: 2 product(s), average price EUR 19.00, 2 price change(s), 0 rename(s)");
    });
    assertThat(fixture.projection().progress()).isEqualTo(fixture.events().get(3).position());
  }

  @Test
  void reapplyingAnEventItMovedPastLeavesItsProgress() {
    var fixture = ProjectionFixture.of(new ProductCatalog())
        .given(Product.NAME, mouse, ProductEvents.CREATED, new ProductCreated("Mouse", 3000))
        .given(Product.NAME, mouse, ProductEvents.RENAMED, new ProductRenamed("Mouse", "Mouse M2"));
    var change = fixture.events().get(1); // applies the given events
    ProductCatalog catalog = fixture.projection();
    long progress = catalog.progress();
    assertThat(progress).isEqualTo(change.position());
    // As a retried dead letter: a price change at a position the catalog has passed.
    var priced = dev.fabula.event.Event.create(ProductEvents.PRICE_CHANGED, new PriceChanged(3000, 2500))
        .withAggregate(Product.NAME, mouse, 2)
        .withPosition(change.position());
    catalog.reapply(priced);
    assertThat(catalog.entry(mouse)).isEqualTo(new Entry("Mouse M2", 2500));
    assertThat(catalog.progress()).isEqualTo(progress);
  }
}
