/**
 * The payments example, after the reference article on CQRS and event sourcing: a {@link
 * dev.fabula.examples.payments.Payment} aggregate with idempotency keys, risk rules and refunds,
 * driven by commands on a command bus; a denormalised {@code payment_summary} read model enriched
 * from a customers table and kept exactly once; the article's two queries; old {@code
 * PaymentProcessedV1} events read through an upcaster; projection lag shown as it runs. Run {@link
 * dev.fabula.examples.payments.PaymentsExample}.
 */
@NullMarked
package dev.fabula.examples.payments;

import org.jspecify.annotations.NullMarked;
