package dev.fabula.examples.payments;

import dev.fabula.command.AggregateCommands;
import dev.fabula.examples.payments.PaymentRuleException.AlreadyCompleted;
import dev.fabula.examples.payments.PaymentRuleException.AlreadyFailed;
import dev.fabula.examples.payments.PaymentRuleException.AwaitingReview;
import dev.fabula.examples.payments.PaymentRuleException.CurrencyNotAccepted;
import dev.fabula.examples.payments.PaymentRuleException.InvalidAmount;
import dev.fabula.examples.payments.PaymentRuleException.NotRefundable;
import dev.fabula.examples.payments.PaymentRuleException.RefundExceedsPayment;
import dev.fabula.examples.payments.PaymentRuleException.UnknownCustomer;

/** The commands of a payment, and how a payment handles them (the article's command handler). */
public final class PaymentCommands {
  /** Processes a payment. */
  public static final String PROCESS = "ProcessPayment";
  /** Refunds part of a completed payment. */
  public static final String REFUND = "RefundPayment";

  /**
   * Payload of {@link #PROCESS}.
   *
   * @param customerId who pays, a customer of the {@linkplain Customer#DIRECTORY directory}
   * @param amount how much
   * @param method how
   * @param idempotencyKey the request's key: sending it again changes nothing
   */
  public record ProcessPayment(String customerId, Money amount, PaymentMethod method, String idempotencyKey) {}

  /**
   * Payload of {@link #REFUND}.
   *
   * @param amount how much to give back
   * @param idempotencyKey the request's key: sending it again changes nothing
   */
  public record RefundPayment(Money amount, String idempotencyKey) {}

  /**
   * Each command runs through the repository's {@code use} on its target payment; the risk engine
   * scores a payment from its customer's base risk and the amount; every rule's exception becomes
   * a rejection with the rule's code.
   */
  public static final AggregateCommands<Payment> HANDLERS =
      AggregateCommands.<Payment>builder()
          .on(PROCESS, ProcessPayment.class, (p, c) -> {
            ProcessPayment pay = c.payload();
            Customer customer = Customer.find(pay.customerId())
                .orElseThrow(() -> new UnknownCustomer(pay.customerId()));
            p.process(customer.id(), pay.amount(), pay.method(), customer.riskOf(pay.amount()), pay.idempotencyKey());
          })
          .on(REFUND, RefundPayment.class, (p, c) -> p.refund(c.payload().amount(), c.payload().idempotencyKey()))
          .reject(InvalidAmount.class, InvalidAmount.CODE)
          .reject(CurrencyNotAccepted.class, CurrencyNotAccepted.CODE)
          .reject(UnknownCustomer.class, UnknownCustomer.CODE)
          .reject(AlreadyCompleted.class, AlreadyCompleted.CODE)
          .reject(AlreadyFailed.class, AlreadyFailed.CODE)
          .reject(AwaitingReview.class, AwaitingReview.CODE)
          .reject(NotRefundable.class, NotRefundable.CODE)
          .reject(RefundExceedsPayment.class, RefundExceedsPayment.CODE)
          .build();

  private PaymentCommands() {}
}
