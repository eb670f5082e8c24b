package dev.fabula.examples.shop;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.examples.shop.ProductEvents.PriceChanged;
import dev.fabula.examples.shop.ProductEvents.ProductCreated;
import dev.fabula.examples.shop.ProductEvents.ProductRenamed;
import dev.fabula.projection.AbstractProjection;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The shop's product pages: one read model per product, kept in a {@link ReadModelRepository}
 * (in memory, a PostgreSQL table or a MongoDB collection, as the example is run), which a product
 * page of a web shop would fetch by id.
 *
 * <p>Each event updates its product's page with {@link ReadModelRepository#use}, so concurrent
 * projections of one product never lose an update, and the page remembers the product version it
 * shows: an event at or below that version (a replay after a restart, a duplicate delivery) leaves
 * the page as it is, so applying an event twice changes nothing.
 */
public final class ProductPages extends AbstractProjection {
  /** The name the pages are stored and encoded under. */
  public static final String NAME = "shop.product-page";

  /**
   * One product's page.
   *
   * @param id the product's id
   * @param name its current name
   * @param priceCents its current price
   * @param priceHistory every price it had, oldest first
   * @param version the product version the page shows
   */
  public record Page(UUID id, String name, long priceCents, List<Long> priceHistory, int version) {
    /** Copies the history. */
    public Page {
      priceHistory = List.copyOf(priceHistory);
    }

    /** The page of a product the projection has seen no event of yet. */
    static Page empty(UUID id) {
      return new Page(id, "", 0, List.of(), 0);
    }

    private Page at(int newVersion, String newName, long newPrice) {
      List<Long> history = new ArrayList<>(priceHistory);
      if (history.isEmpty() || history.get(history.size() - 1) != newPrice) {
        history.add(newPrice);
      }
      return new Page(id, newName, newPrice, history, newVersion);
    }
  }

  /** What a repository of product pages keeps: pages by product id, an empty page for a new product. */
  public static final ReadModelOptions<UUID, Page> OPTIONS =
      ReadModelOptions.of(NAME, Page.class, Page::id).withFactory(Page::empty);

  private final ReadModelRepository<UUID, Page> pages;

  /** Pages kept in {@code pages}, made with {@link #OPTIONS}. */
  public ProductPages(ReadModelRepository<UUID, Page> pages) {
    this.pages = pages;
    on(ProductEvents.CREATED, ProductCreated.class,
        e -> update(e, p -> p.at(version(e), e.data().name(), e.data().priceCents())));
    on(ProductEvents.PRICE_CHANGED, PriceChanged.class,
        e -> update(e, p -> p.at(version(e), p.name(), e.data().newPriceCents())));
    on(ProductEvents.RENAMED, ProductRenamed.class,
        e -> update(e, p -> p.at(version(e), e.data().newName(), p.priceCents())));
  }

  /** Registers the page type under {@link #NAME}, as a persistent repository's codec needs it. */
  public static CodecRegistry.Builder register(CodecRegistry.Builder registry) {
    return registry.register(NAME, Page.class);
  }

  @Override
  public String projectionName() {
    return "product-pages";
  }

  /** The page of a product, if the projection has seen it. */
  public Optional<Page> page(UUID productId) {
    return pages.find(productId);
  }

  private void update(Event<?> e, UnaryOperator<Page> change) {
    AggregateRef product = e.aggregate().orElseThrow();
    // An event the page has seen already (a replay) gives the page itself back: use writes nothing.
    pages.use(product.id(), page -> page.version() >= product.version() ? page : change.apply(page));
  }

  private static int version(Event<?> e) {
    return e.aggregate().orElseThrow().version();
  }
}
