package dev.fabula.examples.payments;

import java.util.List;
import java.util.Optional;

/**
 * A customer as the customer directory knows them: the read model copies the name (the article's
 * enrichment), the risk engine starts from the base risk.
 *
 * @param id the customer id, e.g. {@code cus-alice}
 * @param name the name shown on payment summaries
 * @param baseRisk the customer's risk before the amount counts, 0 to 100
 */
public record Customer(String id, String name, int baseRisk) {
  /** The example's customers, which start-up writes into the {@code customers} table. */
  public static final List<Customer> DIRECTORY = List.of(
      new Customer("cus-alice", "Alice Martin", 5),
      new Customer("cus-bob", "Bob Okafor", 10),
      new Customer("cus-carol", "Carol Nguyen", 20),
      new Customer("cus-dave", "Dave Schmidt", 15),
      new Customer("cus-erin", "Erin Rossi", 30),
      new Customer("cus-mallory", "Mallory Trading Ltd", 65));

  /** The customer with {@code id} in the {@link #DIRECTORY}. */
  public static Optional<Customer> find(String id) {
    return DIRECTORY.stream().filter(c -> c.id().equals(id)).findFirst();
  }

  /**
   * The risk engine's score of this customer paying {@code amount}: the base risk plus a point per
   * USD 1,000, at most 100.
   */
  public int riskOf(Money amount) {
    return (int) Math.min(100, baseRisk + amount.cents() / 100_000);
  }
}
