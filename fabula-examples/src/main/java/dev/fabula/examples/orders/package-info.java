/**
 * The order workflow: an order placed reserves stock and requests payment, with the payment
 * deadline as a durable timeout; payment received completes the order; payment failed or the
 * deadline compensates by releasing the stock. Run {@link dev.fabula.examples.orders.OrderExample}.
 */
@NullMarked
package dev.fabula.examples.orders;

import org.jspecify.annotations.NullMarked;
