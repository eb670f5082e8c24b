package dev.fabula.examples.payments;

import java.util.Optional;

/** How a customer pays, and the most one payment by that method may be. */
public enum PaymentMethod {
  /** A card payment: at most USD 5,000.00. */
  CARD(500_000),
  /** A bank transfer: at most USD 100,000.00. */
  BANK_TRANSFER(10_000_000),
  /** A wallet payment: at most USD 1,000.00. */
  WALLET(100_000);

  private final long limitCents;

  PaymentMethod(long limitCents) {
    this.limitCents = limitCents;
  }

  /** The most one payment by this method may be, in cents. */
  public long limitCents() {
    return limitCents;
  }

  /** Why {@code amount} is over this method's limit, or empty when it is within it. */
  Optional<String> limitExceeded(Money amount) {
    return amount.cents() > limitCents
        ? Optional.of(amount + " is over the " + this + " limit of " + Money.format(limitCents, amount.currency()))
        : Optional.empty();
  }
}
