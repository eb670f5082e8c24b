package dev.fabula.examples.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.examples.payments.PaymentEvents.PaymentFailed;
import dev.fabula.examples.payments.PaymentEvents.PaymentFlaggedForReview;
import dev.fabula.examples.payments.PaymentEvents.PaymentInitiated;
import dev.fabula.examples.payments.PaymentEvents.PaymentProcessed;
import dev.fabula.examples.payments.PaymentEvents.PaymentRefunded;
import dev.fabula.examples.payments.PaymentRuleException.AlreadyCompleted;
import dev.fabula.examples.payments.PaymentRuleException.AlreadyFailed;
import dev.fabula.examples.payments.PaymentRuleException.AwaitingReview;
import dev.fabula.examples.payments.PaymentRuleException.CurrencyNotAccepted;
import dev.fabula.examples.payments.PaymentRuleException.InvalidAmount;
import dev.fabula.examples.payments.PaymentRuleException.NotRefundable;
import dev.fabula.examples.payments.PaymentRuleException.RefundExceedsPayment;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The payment's rules, on the aggregate itself: each broken rule is its own exception, and changes nothing. */
class PaymentTest {
  private final Payment payment = new Payment(UUID.randomUUID());

  private List<Object> raised() {
    return payment.changes().stream().map(Event::data).map(Object.class::cast).toList();
  }

  @Test
  void aPaymentWithinItsMethodsLimitCompletes() {
    payment.process("cus-alice", Money.usd(4_250), PaymentMethod.CARD, 5, "k1");
    assertThat(raised()).containsExactly(
        new PaymentInitiated("cus-alice", Money.usd(4_250), PaymentMethod.CARD, "k1"),
        new PaymentProcessed(payment.id(), Money.usd(4_250), 5));
    assertThat(payment.status()).isEqualTo(Payment.Status.COMPLETED);
  }

  @Test
  void theSameIdempotencyKeyAgainChangesNothing() {
    payment.process("cus-alice", Money.usd(4_250), PaymentMethod.CARD, 5, "k1");
    payment.process("cus-alice", Money.usd(9_999), PaymentMethod.WALLET, 5, "k1");
    payment.refund(Money.usd(100), "r1");
    payment.refund(Money.usd(100), "r1");
    assertThat(payment.version()).isEqualTo(3);
    assertThat(payment.refunded()).isEqualTo(Money.usd(100));
  }

  @Test
  void aPaymentIsProcessedOnce() {
    payment.process("cus-alice", Money.usd(4_250), PaymentMethod.CARD, 5, "k1");
    assertThatThrownBy(() -> payment.process("cus-alice", Money.usd(4_250), PaymentMethod.CARD, 5, "k2"))
        .isInstanceOf(AlreadyCompleted.class)
        .hasMessageContaining("already completed");
    assertThat(payment.version()).isEqualTo(2);
  }

  @Test
  void overTheMethodsLimitItFailsAndStaysFailed() {
    payment.process("cus-carol", Money.usd(250_000), PaymentMethod.WALLET, 20, "k1");
    assertThat(raised().getLast()).isEqualTo(
        new PaymentFailed(payment.id(), "USD 2,500.00 is over the WALLET limit of USD 1,000.00"));
    assertThatThrownBy(() -> payment.process("cus-carol", Money.usd(500), PaymentMethod.WALLET, 20, "k2"))
        .isInstanceOf(AlreadyFailed.class);
    assertThatThrownBy(() -> payment.refund(Money.usd(100), "r1")).isInstanceOf(NotRefundable.class);
  }

  @Test
  void aHighRiskPaymentAboveTheThresholdWaitsForReview() {
    payment.process("cus-mallory", Money.usd(1_200_000), PaymentMethod.BANK_TRANSFER, 77, "k1");
    assertThat(raised().getLast()).isEqualTo(new PaymentFlaggedForReview(payment.id(), Money.usd(1_200_000), 77));
    assertThatThrownBy(() -> payment.refund(Money.usd(100), "r1")).isInstanceOf(AwaitingReview.class);
    assertThatThrownBy(() -> payment.process("cus-mallory", Money.usd(100), PaymentMethod.CARD, 77, "k2"))
        .isInstanceOf(AwaitingReview.class);
  }

  @Test
  void atTheThresholdOrWithLowRiskItIsNotFlagged() {
    payment.process("cus-mallory", Payment.REVIEW_THRESHOLD, PaymentMethod.BANK_TRANSFER, 99, "k1");
    assertThat(payment.status()).isEqualTo(Payment.Status.COMPLETED);
    var lowRisk = new Payment(UUID.randomUUID());
    lowRisk.process("cus-alice", Money.usd(1_200_000), PaymentMethod.BANK_TRANSFER, Payment.HIGH_RISK - 1, "k1");
    assertThat(lowRisk.status()).isEqualTo(Payment.Status.COMPLETED);
  }

  @Test
  void anAmountIsPositiveAndInDollars() {
    assertThatThrownBy(() -> payment.process("cus-bob", Money.usd(0), PaymentMethod.CARD, 5, "k1"))
        .isInstanceOf(InvalidAmount.class).hasMessage("an amount must be positive, got USD 0.00");
    assertThatThrownBy(() -> payment.process("cus-bob", Money.usd(-500), PaymentMethod.CARD, 5, "k1"))
        .isInstanceOf(InvalidAmount.class);
    assertThatThrownBy(() -> payment.process("cus-bob", new Money(3_000, "EUR"), PaymentMethod.CARD, 5, "k1"))
        .isInstanceOf(CurrencyNotAccepted.class);
    assertThat(payment.version()).isZero();
  }

  @Test
  void refundsNeverExceedWhatWasPaid() {
    payment.process("cus-alice", Money.usd(4_250), PaymentMethod.CARD, 5, "k1");
    payment.refund(Money.usd(2_000), "r1");
    assertThatThrownBy(() -> payment.refund(Money.usd(2_251), "r2"))
        .isInstanceOf(RefundExceedsPayment.class)
        .hasMessage("a refund of USD 22.51 is more than the USD 22.50 left to refund");
    assertThatThrownBy(() -> payment.refund(Money.usd(-1), "r3")).isInstanceOf(InvalidAmount.class);
    payment.refund(Money.usd(2_250), "r4");
    assertThat(raised().getLast()).isEqualTo(new PaymentRefunded(payment.id(), Money.usd(2_250), "r4"));
    assertThat(payment.refunded()).isEqualTo(Money.usd(4_250));
    assertThatThrownBy(() -> payment.refund(Money.usd(1), "r5")).isInstanceOf(RefundExceedsPayment.class);
  }

  @Test
  void aNewPaymentCannotBeRefunded() {
    assertThatThrownBy(() -> payment.refund(Money.usd(100), "r1"))
        .isInstanceOf(NotRefundable.class).hasMessageContaining("is NEW");
  }

  @Test
  void aSnapshotRestoresEveryRule() {
    payment.process("cus-alice", Money.usd(4_250), PaymentMethod.CARD, 5, "k1");
    payment.refund(Money.usd(2_000), "r1");
    var restored = new Payment(payment.id());
    restored.restoreSnapshotState(payment.snapshotState());
    assertThat(restored.snapshotState()).isEqualTo(payment.snapshotState());
    restored.refund(Money.usd(2_000), "r1"); // a key seen before the snapshot: still ignored
    assertThat(restored.refunded()).isEqualTo(Money.usd(2_000));
    assertThatThrownBy(() -> restored.refund(Money.usd(2_251), "r2")).isInstanceOf(RefundExceedsPayment.class);
  }
}
