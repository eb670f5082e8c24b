package dev.fabula.examples.payments;

import dev.fabula.event.Event;
import dev.fabula.examples.payments.PaymentEvents.PaymentFailed;
import dev.fabula.examples.payments.PaymentEvents.PaymentFlaggedForReview;
import dev.fabula.examples.payments.PaymentEvents.PaymentInitiated;
import dev.fabula.examples.payments.PaymentEvents.PaymentProcessed;
import dev.fabula.examples.payments.PaymentEvents.PaymentRefunded;
import dev.fabula.projection.Projection;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@code payment_summary} read model and the article's two queries over it, kept in the same
 * backend as the events: in memory ({@link MemoryPaymentSummaries}) or in PostgreSQL tables kept
 * exactly once ({@link PgPaymentSummaries}). Both turn events into rows with {@link #next}, so they
 * cannot disagree on what a row says.
 */
sealed interface PaymentSummaries permits MemoryPaymentSummaries, PgPaymentSummaries {
  /** The read model's name, under which its progress is kept. */
  String NAME = "payment_summary";

  /** The projection a schedule keeps this read model with (created once, reused). */
  Projection projection();

  /**
   * The article's first query: {@code customerId}'s payments whose {@code processedAt} lies in
   * {@code [from, to]}, newest first (ties by payment id), page by {@code limit} and {@code
   * offset}.
   *
   * @throws IllegalArgumentException when {@code limit < 1}, {@code offset < 0} or {@code from}
   *     is after {@code to}
   */
  List<PaymentView> customerPayments(String customerId, Instant from, Instant to, int limit, int offset);

  /** The article's second query: statistics of the payments whose outcome fell on {@code day} (UTC). */
  DailyStats dailyStatistics(LocalDate day);

  /** How many rows the read model holds. */
  long rows();

  /** Checks a page request, as both backends do. */
  static void checkPage(Instant from, Instant to, int limit, int offset) {
    if (limit < 1 || offset < 0) {
      throw new IllegalArgumentException("a page needs limit >= 1 and offset >= 0, got " + limit + " and " + offset);
    }
    if (from.isAfter(to)) {
      throw new IllegalArgumentException("the window starts at " + from + ", after its end " + to);
    }
  }

  /**
   * The row of a payment after {@code event}: a new row for {@link PaymentEvents#INITIATED}, with
   * the customer's name from {@code customerNames} (the enrichment), else {@code current} changed.
   *
   * @throws IllegalStateException when the event needs a row and there is none, or a new payment
   *     already has one
   */
  static PaymentView next(@Nullable PaymentView current, Event<?> event, Function<String, String> customerNames) {
    UUID id = event.aggregate().orElseThrow(
        () -> new IllegalStateException("event " + event.id() + " " + event.name() + " belongs to no payment")).id();
    Instant at = event.time();
    if (event.data() instanceof PaymentInitiated e) {
      if (current != null) {
        throw new IllegalStateException("payment " + id + " has a summary already; event " + event.id() + " starts it again");
      }
      return new PaymentView(id, e.customerId(), customerNames.apply(e.customerId()), e.amount(), "initiated",
          e.method().name(), at, 0, false, 0);
    }
    if (current == null) {
      throw new IllegalStateException(
          "payment " + id + " has no summary to apply event " + event.id() + " " + event.name() + " to");
    }
    return switch (event.data()) {
      case PaymentProcessed e -> new PaymentView(id, current.customerId(), current.customerName(), e.money(),
          "completed", current.method(), at, e.riskScore(), false, current.refundedCents());
      case PaymentFailed e -> new PaymentView(id, current.customerId(), current.customerName(), current.amount(),
          "failed", current.method(), at, current.riskScore(), false, current.refundedCents());
      case PaymentFlaggedForReview e -> new PaymentView(id, current.customerId(), current.customerName(),
          current.amount(), "pending_review", current.method(), at, e.riskScore(), true, current.refundedCents());
      case PaymentRefunded e -> new PaymentView(id, current.customerId(), current.customerName(), current.amount(),
          current.status(), current.method(), current.processedAt(), current.riskScore(), current.requiresReview(),
          current.refundedCents() + e.amount().cents());
      default -> throw new IllegalStateException(
          "payment_summary has no rule for event " + event.id() + " " + event.name() + " (" + event.data().getClass().getName() + ")");
    };
  }
}
