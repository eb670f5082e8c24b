package dev.fabula.examples.payments;

import java.util.Set;
import java.util.UUID;

/**
 * The events of a {@link Payment}: their names (the article's) and their data. Every payment
 * starts with {@link #INITIATED}, followed in the same save by its outcome: {@link #PROCESSED},
 * {@link #FAILED} or {@link #FLAGGED_FOR_REVIEW}; a processed payment may then be {@link
 * #REFUNDED} in parts.
 */
public final class PaymentEvents {
  /** A customer asked to pay an amount by a method. */
  public static final String INITIATED = "PaymentInitiated";
  /** The payment went through (the current shape; old rows are {@code PaymentProcessedV1}). */
  public static final String PROCESSED = "PaymentProcessed";
  /** The payment was refused, e.g. over the method's limit. */
  public static final String FAILED = "PaymentFailed";
  /** A high-risk, large payment waits for a person to review it. */
  public static final String FLAGGED_FOR_REVIEW = "PaymentFlaggedForReview";
  /** Part of a processed payment was given back. */
  public static final String REFUNDED = "PaymentRefunded";

  /** Every name a payment's history holds today. */
  public static final Set<String> NAMES = Set.of(INITIATED, PROCESSED, FAILED, FLAGGED_FOR_REVIEW, REFUNDED);

  private PaymentEvents() {}

  /**
   * Data of {@link #INITIATED}.
   *
   * @param customerId who pays
   * @param amount how much
   * @param method how
   * @param idempotencyKey the key of the request, so that a repeated request changes nothing
   */
  public record PaymentInitiated(String customerId, Money amount, PaymentMethod method, String idempotencyKey) {}

  /**
   * Data of {@link #PROCESSED}.
   *
   * @param paymentId the payment
   * @param money the amount paid
   * @param riskScore the risk engine's score, 0 to 100 (0 for payments from before risk scoring)
   */
  public record PaymentProcessed(UUID paymentId, Money money, int riskScore) {}

  /**
   * Data of {@link #FAILED}.
   *
   * @param paymentId the payment
   * @param reason why it was refused
   */
  public record PaymentFailed(UUID paymentId, String reason) {}

  /**
   * Data of {@link #FLAGGED_FOR_REVIEW}.
   *
   * @param paymentId the payment
   * @param amount the amount waiting for review
   * @param riskScore the risk engine's score
   */
  public record PaymentFlaggedForReview(UUID paymentId, Money amount, int riskScore) {}

  /**
   * Data of {@link #REFUNDED}.
   *
   * @param paymentId the payment
   * @param amount the amount given back by this refund
   * @param idempotencyKey the key of the refund request
   */
  public record PaymentRefunded(UUID paymentId, Money amount, String idempotencyKey) {}
}
