package dev.fabula.examples.shop;

import dev.fabula.event.Event;
import dev.fabula.examples.shop.ProductEvents.PriceChanged;
import dev.fabula.examples.shop.ProductEvents.ProductCreated;
import dev.fabula.examples.shop.ProductEvents.ProductRenamed;
import dev.fabula.projection.AbstractProjection;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.Resettable;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shop's read model: current name and price of every product, and shop statistics. Kept
 * current from the product events; its progress is the global position of the last event applied.
 */
public final class ProductCatalog extends AbstractProjection implements ProgressAware, Resettable {
  /**
   * One catalog line.
   *
   * @param name the product's current name
   * @param priceCents its current price
   */
  public record Entry(String name, long priceCents) {}

  private final Map<UUID, Entry> products = new ConcurrentHashMap<>();
  private final AtomicLong priceChanges = new AtomicLong();
  private final AtomicLong renames = new AtomicLong();
  private volatile long progress;

  /** An empty catalog. */
  public ProductCatalog() {
    on(ProductEvents.CREATED, ProductCreated.class,
        e -> products.put(productId(e), new Entry(e.data().name(), e.data().priceCents())));
    on(ProductEvents.PRICE_CHANGED, PriceChanged.class, e -> {
      products.computeIfPresent(productId(e), (id, p) -> new Entry(p.name(), e.data().newPriceCents()));
      priceChanges.incrementAndGet();
    });
    on(ProductEvents.RENAMED, ProductRenamed.class, e -> {
      products.computeIfPresent(productId(e), (id, p) -> new Entry(e.data().newName(), p.priceCents()));
      renames.incrementAndGet();
    });
  }

  private static UUID productId(Event<?> e) {
    return e.aggregate().orElseThrow().id();
  }

  @Override
  public String projectionName() {
    return "product-catalog";
  }

  @Override
  public long progress() {
    return progress;
  }

  @Override
  public void progress(long position) {
    progress = position;
  }

  @Override
  public void reset() {
    products.clear();
    priceChanges.set(0);
    renames.set(0);
    progress = 0;
  }

  /** The catalog line of a product. */
  public Entry entry(UUID productId) {
    return products.get(productId);
  }

  /** The catalog as it stands now: its lines, by name, and the statistics. */
  public Listing listing() {
    List<Entry> lines = products.values().stream().sorted(Comparator.comparing(Entry::name)).toList();
    return new Listing(lines, priceChanges.get(), renames.get(), progress);
  }

  /** Prints the catalog and the statistics. */
  public void print(PrintStream out) {
    listing().print(out);
  }

  /**
   * The catalog at one moment, as a query answers it.
   *
   * @param products the catalog lines, by name
   * @param priceChanges how many price changes the catalog applied
   * @param renames how many renames it applied
   * @param position the global position of the last event it applied
   */
  public record Listing(List<Entry> products, long priceChanges, long renames, long position) {
    /** Copies the lines. */
    public Listing {
      products = List.copyOf(products);
    }

    /** Prints the catalog and the statistics. */
    public void print(PrintStream out) {
      out.println("Catalog (read model, kept by a continuous schedule):");
      products.forEach(p -> out.printf("  %-20s EUR %d.%02d%n", p.name(), p.priceCents() / 100, p.priceCents() % 100));
      long total = products.stream().mapToLong(Entry::priceCents).sum();
      long average = products.isEmpty() ? 0 : total / products.size();
      out.printf("Shop statistics: %d product(s), average price EUR %d.%02d, %d price change(s), %d rename(s)%n",
          products.size(), average / 100, average % 100, priceChanges, renames);
    }
  }
}
