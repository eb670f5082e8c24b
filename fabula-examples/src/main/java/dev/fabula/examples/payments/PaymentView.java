package dev.fabula.examples.payments;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the {@code payment_summary} read model (the article's {@code PaymentSummaryView}):
 * a payment denormalised for dashboards, with its customer's name copied in.
 *
 * @param paymentId the payment
 * @param customerId who paid
 * @param customerName the customer's name, from the customers table when the payment was initiated
 * @param amount the amount requested
 * @param status {@code initiated}, {@code completed}, {@code failed} or {@code pending_review}
 * @param method how it was paid, e.g. {@code CARD}
 * @param processedAt when its outcome was decided (until then, when it was initiated)
 * @param riskScore the risk engine's score (0 until known)
 * @param requiresReview whether it was flagged for review
 * @param refundedCents how much was refunded so far
 */
public record PaymentView(
    UUID paymentId, String customerId, String customerName, Money amount, String status, String method,
    Instant processedAt, int riskScore, boolean requiresReview, long refundedCents) {}
