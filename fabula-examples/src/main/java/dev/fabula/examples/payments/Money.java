package dev.fabula.examples.payments;

import java.util.Objects;

/**
 * An amount of money: {@code cents} in the minor unit of {@code currency} (an ISO 4217 code). A
 * value only; which amounts a payment accepts is the {@link Payment}'s rule.
 *
 * @param cents the amount in cents
 * @param currency the currency code, e.g. {@code USD}
 */
public record Money(long cents, String currency) {
  /** The currency the example's payment provider settles in. */
  public static final String USD = "USD";

  /** Checks that the currency is given. */
  public Money {
    Objects.requireNonNull(currency, "currency");
  }

  /** {@code cents} US cents. */
  public static Money usd(long cents) {
    return new Money(cents, USD);
  }

  /** As the example prints it: {@code USD 42.50}. */
  @Override
  public String toString() {
    return format(cents, currency);
  }

  /** {@code cents} of {@code currency} as the example prints them: {@code USD 42.50}. */
  static String format(long cents, String currency) {
    String sign = cents < 0 ? "-" : "";
    long abs = Math.abs(cents);
    return String.format("%s %s%,d.%02d", currency, sign, abs / 100, abs % 100);
  }
}
