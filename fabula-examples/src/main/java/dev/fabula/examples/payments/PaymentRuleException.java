package dev.fabula.examples.payments;

import java.util.UUID;

/**
 * A command broke one of a payment's rules; nothing was changed. Each rule has a subclass and an
 * error code, which a command's caller gets in its {@link
 * dev.fabula.command.CommandExecutionException}.
 */
public abstract sealed class PaymentRuleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  private PaymentRuleException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** The error code of this rule, e.g. {@code payment.invalid-amount}. */
  public final String code() {
    return code;
  }

  /** An amount that is zero or negative. */
  public static final class InvalidAmount extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.invalid-amount";

    InvalidAmount(Money amount) {
      super(CODE, "an amount must be positive, got " + amount);
    }
  }

  /** An amount in a currency the payment does not take. */
  public static final class CurrencyNotAccepted extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.currency-not-accepted";

    CurrencyNotAccepted(Money amount, String accepted) {
      super(CODE, "only " + accepted + " is accepted here, got " + amount);
    }
  }

  /** A customer the customer directory does not know. */
  public static final class UnknownCustomer extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.unknown-customer";

    UnknownCustomer(String customerId) {
      super(CODE, "no customer " + customerId);
    }
  }

  /** Processing a payment that was already completed (with another idempotency key). */
  public static final class AlreadyCompleted extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.already-completed";

    AlreadyCompleted(UUID id) {
      super(CODE, "payment " + id + " is already completed");
    }
  }

  /** Processing a payment that already failed. */
  public static final class AlreadyFailed extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.already-failed";

    AlreadyFailed(UUID id) {
      super(CODE, "payment " + id + " already failed");
    }
  }

  /** Processing or refunding a payment that waits for review. */
  public static final class AwaitingReview extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.awaiting-review";

    AwaitingReview(UUID id) {
      super(CODE, "payment " + id + " waits for review");
    }
  }

  /** Refunding a payment that was never completed (new or failed). */
  public static final class NotRefundable extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.not-refundable";

    NotRefundable(UUID id, Payment.Status status) {
      super(CODE, "payment " + id + " is " + status + ": only a completed payment can be refunded");
    }
  }

  /** A refund that would give back more than was paid. */
  public static final class RefundExceedsPayment extends PaymentRuleException {
    private static final long serialVersionUID = 1L;
    /** Its error code. */
    public static final String CODE = "payment.refund-exceeds-payment";

    RefundExceedsPayment(Money refund, Money refundable) {
      super(CODE, "a refund of " + refund + " is more than the " + refundable + " left to refund");
    }
  }
}
