package dev.fabula.examples.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.examples.payments.PaymentEvents.PaymentFlaggedForReview;
import dev.fabula.examples.payments.PaymentEvents.PaymentInitiated;
import dev.fabula.examples.payments.PaymentEvents.PaymentProcessed;
import dev.fabula.examples.payments.PaymentEvents.PaymentRefunded;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** How events become {@code payment_summary} rows, shared by both backends, on the in-memory one. */
class PaymentSummariesTest {
  private final MemoryPaymentSummaries summaries = new MemoryPaymentSummaries(Customer.DIRECTORY);
  private final UUID id = UUID.randomUUID();
  private final Instant nine = Instant.parse("2026-03-02T09:00:00Z");

  private Event<?> event(int version, String name, Object data, Instant at) {
    return Event.create(name, data).withAggregate(Payment.NAME, id, version).withTime(at);
  }

  @Test
  void aRowCopiesTheCustomersNameAndFollowsTheOutcome() throws Exception {
    summaries.projection().apply(event(1, PaymentEvents.INITIATED,
        new PaymentInitiated("cus-mallory", Money.usd(1_200_000), PaymentMethod.BANK_TRANSFER, "k1"), nine));
    summaries.projection().apply(event(2, PaymentEvents.FLAGGED_FOR_REVIEW,
        new PaymentFlaggedForReview(id, Money.usd(1_200_000), 77), nine.plusSeconds(1)));
    assertThat(summaries.customerPayments("cus-mallory", nine, nine.plusSeconds(60), 10, 0)).containsExactly(
        new PaymentView(id, "cus-mallory", "Mallory Trading Ltd", Money.usd(1_200_000), "pending_review",
            "BANK_TRANSFER", nine.plusSeconds(1), 77, true, 0));
    assertThat(summaries.dailyStatistics(LocalDate.of(2026, 3, 2)))
        .isEqualTo(new DailyStats(LocalDate.of(2026, 3, 2), 1, 1_200_000, 1_200_000, 0, 1));
  }

  @Test
  void aRefundKeepsTheDayOfTheOutcome() throws Exception {
    summaries.projection().apply(event(1, PaymentEvents.INITIATED,
        new PaymentInitiated("cus-alice", Money.usd(4_250), PaymentMethod.CARD, "k1"), nine));
    summaries.projection().apply(event(2, PaymentEvents.PROCESSED, new PaymentProcessed(id, Money.usd(4_250), 5),
        nine.plusSeconds(1)));
    summaries.projection().apply(event(3, PaymentEvents.REFUNDED, new PaymentRefunded(id, Money.usd(2_000), "r1"),
        nine.plus(Duration.ofDays(1))));
    List<PaymentView> rows = summaries.customerPayments("cus-alice", nine, nine.plusSeconds(60), 10, 0);
    assertThat(rows).singleElement().satisfies(v -> {
      assertThat(v.status()).isEqualTo("completed");
      assertThat(v.refundedCents()).isEqualTo(2_000);
      assertThat(v.processedAt()).isEqualTo(nine.plusSeconds(1));
    });
  }

  @Test
  void anEventWithoutItsRowOrACustomerOutsideTheTableIsReportedWithItsId() {
    Event<?> processed = event(2, PaymentEvents.PROCESSED, new PaymentProcessed(id, Money.usd(4_250), 5), nine);
    assertThatThrownBy(() -> summaries.projection().apply(processed))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(processed.id().toString());
    assertThatThrownBy(() -> summaries.projection().apply(event(1, PaymentEvents.INITIATED,
            new PaymentInitiated("cus-zed", Money.usd(100), PaymentMethod.CARD, "k1"), nine)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the customers table has no customer cus-zed");
    assertThat(summaries.rows()).isZero();
  }

  @Test
  void aPageRequestIsChecked() {
    assertThatThrownBy(() -> summaries.customerPayments("cus-alice", nine, nine, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit >= 1");
    assertThatThrownBy(() -> summaries.customerPayments("cus-alice", nine.plusSeconds(1), nine, 5, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after its end");
  }
}
