package dev.fabula.examples.shop;

import dev.fabula.event.Event;
import dev.fabula.examples.shop.ProductEvents.PriceChanged;
import dev.fabula.examples.shop.ProductEvents.ProductCreated;
import dev.fabula.examples.shop.ProductEvents.ProductRenamed;
import dev.fabula.projection.AbstractProjection;
import dev.fabula.projection.Reapplicable;
import dev.fabula.projection.Resettable;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The shop's read model: current name and price of every product, and shop statistics. Kept
 * current from the product events; its progress is the global position of the last event applied.
 *
 * <p>A schedule applies events on its own thread while queries read the catalog on theirs: one
 * lock guards every change (an event together with its position, a reset) and every read, so a
 * {@link #listing()} is always the catalog after one event, never half of one. It is {@link
 * Reapplicable}: a dead letter of it can be retried ({@code Schedule.retry}).
 */
public final class ProductCatalog extends AbstractProjection implements Reapplicable, Resettable {
  /**
   * One catalog line.
   *
   * @param name the product's current name
   * @param priceCents its current price
   */
  public record Entry(String name, long priceCents) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<UUID, Entry> products = new HashMap<>();
  private long priceChanges;
  private long renames;
  private long progress;

  /** An empty catalog. */
  public ProductCatalog() {
    on(ProductEvents.CREATED, ProductCreated.class,
        e -> products.put(productId(e), new Entry(e.data().name(), e.data().priceCents())));
    on(ProductEvents.PRICE_CHANGED, PriceChanged.class, e -> {
      products.computeIfPresent(productId(e), (id, p) -> new Entry(p.name(), e.data().newPriceCents()));
      priceChanges++;
    });
    on(ProductEvents.RENAMED, ProductRenamed.class, e -> {
      products.computeIfPresent(productId(e), (id, p) -> new Entry(e.data().newName(), p.priceCents()));
      renames++;
    });
  }

  private static UUID productId(Event<?> e) {
    return e.aggregate().orElseThrow().id();
  }

  @Override
  public String projectionName() {
    return "product-catalog";
  }

  /**
   * Applies the event and takes its position, in one step under the lock: the schedule records the
   * same position through {@link #progress(long)} only after this returns, and a listing taken in
   * between must not show the event with the position before it.
   */
  @Override
  public void apply(Event<?> event) {
    lock.lock();
    try {
      super.apply(event);
      progress = event.position();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Applies an event the catalog has moved past — a dead letter being retried — leaving the
   * progress where it is (unlike {@link #apply}, which takes the event's position).
   */
  @Override
  public void reapply(Event<?> event) {
    lock.lock();
    try {
      super.apply(event);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long progress() {
    lock.lock();
    try {
      return progress;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void progress(long position) {
    lock.lock();
    try {
      progress = position;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void reset() {
    lock.lock();
    try {
      products.clear();
      priceChanges = 0;
      renames = 0;
      progress = 0;
    } finally {
      lock.unlock();
    }
  }

  /** The catalog line of a product, or {@code null} when the catalog does not know it. */
  public @Nullable Entry entry(UUID productId) {
    lock.lock();
    try {
      return products.get(productId);
    } finally {
      lock.unlock();
    }
  }

  /** The catalog as it stands now, all of it at one position: its lines, by name, and the statistics. */
  public Listing listing() {
    lock.lock();
    try {
      List<Entry> lines = products.values().stream().sorted(Comparator.comparing(Entry::name)).toList();
      return new Listing(lines, priceChanges, renames, progress);
    } finally {
      lock.unlock();
    }
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
   * @param position the global position of the last event it applied, the one the lines show
   */
  public record Listing(List<Entry> products, long priceChanges, long renames, long position) {
    /** Copies the lines. */
    public Listing {
      products = List.copyOf(products);
    }

    /** Prints the catalog and the statistics. */
    public void print(PrintStream out) {
      out.println("Catalog (read model, kept by a continuous schedule):");
      products.forEach(p -> out.printf("  %-20s %s%n", p.name(), ShopScript.euros(p.priceCents())));
      long total = products.stream().mapToLong(Entry::priceCents).sum();
      long average = products.isEmpty() ? 0 : total / products.size();
      out.printf("Shop statistics: %d product(s), average price %s, %d price change(s), %d rename(s)%n",
          products.size(), ShopScript.euros(average), priceChanges, renames);
    }
  }
}
