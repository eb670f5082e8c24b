package dev.fabula.examples.payments;

import java.util.UUID;

/**
 * A command broke one of a payment's rules; nothing was changed. Each rule has a subclass and an
 * error code, which a command's caller gets in its {@link
 * dev.fabula.command.CommandExecutionException}.
 */
public abstract sealed class PaymentRuleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private PaymentRuleException(String message) {
    super(message);
  }

  /** The error code of this rule, e.g. {@code payment.invalid-amount}. */
  public abstract String code();

  /** An amount that is zero or negative. */
  public static final class InvalidAmount extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.invalid-amount";

    InvalidAmount(Money amount) {
      super("an amount must be positive, got " + amount);
    }

    @Override
    public String code() {
      return CODE;
    }
  }

  /** An amount in a currency the payment does not take. */
  public static final class CurrencyNotAccepted extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.currency-not-accepted";

    CurrencyNotAccepted(Money amount, String accepted) {
      super("only " + accepted + " is accepted here, got " + amount);
    }

    @Override
    public String code() {
      return CODE;
    }
  }

  /** A customer the customer directory does not know. */
  public static final class UnknownCustomer extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.unknown-customer";

    UnknownCustomer(String customerId) {
      super("no customer " + customerId);
    }

    @Override
    public String code() {
      return CODE;
    }
  }

  /** Processing a payment that was already completed (with another idempotency key). */
  public static final class AlreadyCompleted extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.already-completed";

    AlreadyCompleted(UUID id) {
      super("payment " + id + " is already completed");
    }

    @Override
    public String code() {
      return CODE;
    }
  }

  /** Processing a payment that already failed. */
  public static final class AlreadyFailed extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.already-failed";

    AlreadyFailed(UUID id) {
      super("payment " + id + " already failed");
    }

    @Override
    public String code() {
      return CODE;
    }
  }

  /** Processing or refunding a payment that waits for review. */
  public static final class AwaitingReview extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.awaiting-review";

    AwaitingReview(UUID id) {
      super("payment " + id + " waits for review");
    }

    @Override
    public String code() {
      return CODE;
    }
  }

  /** Refunding a payment that was never completed (new or failed). */
  public static final class NotRefundable extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.not-refundable";

    NotRefundable(UUID id, Payment.Status status) {
      super("payment " + id + " is " + status + ": only a completed payment can be refunded");
    }

    @Override
    public String code() {
      return CODE;
    }
  }

  /** A refund that would give back more than was paid. */
  public static final class RefundExceedsPayment extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.refund-exceeds-payment";

    RefundExceedsPayment(Money refund, Money refundable) {
      super("a refund of " + refund + " is more than the " + refundable + " left to refund");
    }

    @Override
    public String code() {
      return CODE;
    }
  }
}
