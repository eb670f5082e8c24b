package dev.fabula.examples.payments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.command.CommandError;
import dev.fabula.examples.payments.PaymentCommands.ProcessPayment;
import dev.fabula.examples.payments.PaymentCommands.RefundPayment;
import dev.fabula.examples.payments.PaymentEvents.PaymentInitiated;
import dev.fabula.examples.payments.PaymentEvents.PaymentProcessed;
import dev.fabula.testing.CommandFixture;
import dev.fabula.testing.RaisedEvent;
import org.junit.jupiter.api.Test;

/**
 * The payment's command handlers: the risk engine scores the customer, and each broken rule reaches
 * the caller as a rejection with the rule's own code and exception.
 */
class PaymentCommandsTest {
  private final CommandFixture<Payment> payment = CommandFixture.of(Payment::new, PaymentCommands.HANDLERS);

  @Test
  void theRiskEngineScoresTheCustomerAndTheAmount() {
    payment.when(PaymentCommands.PROCESS, new ProcessPayment("cus-erin", Money.usd(250_000), PaymentMethod.CARD, "k1"))
        .thenRaised(
            RaisedEvent.of(PaymentEvents.INITIATED,
                new PaymentInitiated("cus-erin", Money.usd(250_000), PaymentMethod.CARD, "k1")),
            // base risk 30, a point per USD 1,000
            RaisedEvent.of(PaymentEvents.PROCESSED, new PaymentProcessed(payment.id(), Money.usd(250_000), 32)));
  }

  @Test
  void aLargePaymentOfARiskyCustomerIsFlagged() {
    payment.when(PaymentCommands.PROCESS,
            new ProcessPayment("cus-mallory", Money.usd(1_200_000), PaymentMethod.BANK_TRANSFER, "k1"))
        .thenState(p -> assertThat(p.status()).isEqualTo(Payment.Status.PENDING_REVIEW));
  }

  @Test
  void eachRuleHasItsCode() {
    payment.when(PaymentCommands.PROCESS, new ProcessPayment("cus-zed", Money.usd(100), PaymentMethod.CARD, "k1"))
        .thenRejected(PaymentRuleException.UnknownCustomer.CODE, "no customer cus-zed");
    payment.when(PaymentCommands.PROCESS, new ProcessPayment("cus-bob", Money.usd(-1), PaymentMethod.CARD, "k1"))
        .thenRejected(PaymentRuleException.InvalidAmount.CODE);
    payment.when(PaymentCommands.PROCESS, new ProcessPayment("cus-bob", new Money(1, "EUR"), PaymentMethod.CARD, "k1"))
        .thenRejected(PaymentRuleException.CurrencyNotAccepted.CODE);
    payment.when(PaymentCommands.REFUND, new RefundPayment(Money.usd(100), "r1"))
        .thenRejected(PaymentRuleException.NotRefundable.CODE);
    var rejection = payment
        .given(PaymentEvents.INITIATED, new PaymentInitiated("cus-alice", Money.usd(4_250), PaymentMethod.CARD, "k1"))
        .given(PaymentEvents.PROCESSED, new PaymentProcessed(payment.id(), Money.usd(4_250), 5))
        .when(PaymentCommands.REFUND, new RefundPayment(Money.usd(5_000), "r1"))
        .thenRejected(PaymentRuleException.RefundExceedsPayment.CODE, "more than the USD 42.50 left")
        .rejection();
    assertThat(rejection.details())
        .containsEntry(CommandError.EXCEPTION_DETAIL, PaymentRuleException.RefundExceedsPayment.class.getName());
  }

  @Test
  void theSameRequestAgainIsDoneAndRaisesNothing() {
    payment.given(PaymentEvents.INITIATED, new PaymentInitiated("cus-alice", Money.usd(4_250), PaymentMethod.CARD, "k1"))
        .given(PaymentEvents.PROCESSED, new PaymentProcessed(payment.id(), Money.usd(4_250), 5))
        .when(PaymentCommands.PROCESS, new ProcessPayment("cus-alice", Money.usd(4_250), PaymentMethod.CARD, "k1"))
        .thenNothingRaised();
  }
}
