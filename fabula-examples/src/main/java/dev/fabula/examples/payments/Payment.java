package dev.fabula.examples.payments;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
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
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A payment, the article's aggregate: the consistency boundary for processing one amount once and
 * refunding at most what was paid.
 *
 * <p>Its rules, each a {@link PaymentRuleException} subclass with its own code:
 *
 * <ul>
 *   <li>a request whose idempotency key the payment has seen changes nothing (a retry is safe);
 *   <li>an amount is positive ({@link InvalidAmount}) and in US dollars ({@link
 *       CurrencyNotAccepted});
 *   <li>a payment is processed once: a completed one refuses another request ({@link
 *       AlreadyCompleted}), a failed one too ({@link AlreadyFailed}), one flagged for review waits
 *       ({@link AwaitingReview});
 *   <li>a high-risk payment over {@link #REVIEW_THRESHOLD} is flagged for review instead of paid;
 *       one over its method's limit fails (an outcome, stored as {@link PaymentEvents#FAILED});
 *   <li>only a completed payment is refunded ({@link NotRefundable}), and never beyond what was
 *       paid ({@link RefundExceedsPayment}).
 * </ul>
 */
public final class Payment extends AggregateRoot implements Snapshotting<Payment.State> {
  /** The aggregate name under which payments are stored. */
  public static final String NAME = "payment";
  /** Risk scores from here up are high. */
  public static final int HIGH_RISK = 70;
  /** A high-risk payment above this amount waits for review (the article's USD 10,000). */
  public static final Money REVIEW_THRESHOLD = Money.usd(1_000_000);

  /** Where a payment stands. */
  public enum Status {
    /** Not requested yet. */
    NEW,
    /** Paid (refunds do not change it). */
    COMPLETED,
    /** Refused. */
    FAILED,
    /** Waiting for a person to review it. */
    PENDING_REVIEW
  }

  /**
   * A payment's whole state, as snapshots keep it.
   *
   * @param status where it stands
   * @param customerId who pays ({@code ""} while new)
   * @param amount the amount requested ({@code USD 0.00} while new)
   * @param method how it is paid ({@code null} while new)
   * @param refundedCents how much was given back so far
   * @param idempotencyKeys the keys of every request taken, oldest first
   */
  public record State(
      Status status, String customerId, Money amount, @Nullable PaymentMethod method,
      long refundedCents, List<String> idempotencyKeys) {
    /** Copies the keys. */
    public State {
      idempotencyKeys = List.copyOf(idempotencyKeys);
    }
  }

  private Status status = Status.NEW;
  private String customerId = "";
  private Money amount = Money.usd(0);
  private @Nullable PaymentMethod method;
  private long refundedCents;
  private final Set<String> idempotencyKeys = new LinkedHashSet<>();

  /** An empty payment with this id, as the repository creates it before replaying events. */
  public Payment(UUID id) {
    this(id, InstantSource.system());
  }

  /** An empty payment whose events take their times from {@code clock}. */
  public Payment(UUID id, InstantSource clock) {
    super(NAME, id, clock);
    on(PaymentEvents.INITIATED, PaymentInitiated.class, e -> {
      customerId = e.customerId();
      amount = e.amount();
      method = e.method();
      idempotencyKeys.add(e.idempotencyKey());
    });
    on(PaymentEvents.PROCESSED, PaymentProcessed.class, e -> {
      status = Status.COMPLETED;
      amount = e.money();
    });
    on(PaymentEvents.FAILED, PaymentFailed.class, e -> status = Status.FAILED);
    on(PaymentEvents.FLAGGED_FOR_REVIEW, PaymentFlaggedForReview.class, e -> status = Status.PENDING_REVIEW);
    on(PaymentEvents.REFUNDED, PaymentRefunded.class, e -> {
      refundedCents += e.amount().cents();
      idempotencyKeys.add(e.idempotencyKey());
    });
  }

  /**
   * Processes the payment, as the article's {@code Process}: records the request and its outcome,
   * completed, failed over the method's limit, or flagged for review when the risk is high and the
   * amount large. Does nothing when {@code idempotencyKey} was seen before.
   *
   * @throws PaymentRuleException when a rule refuses the request (see the class comment)
   */
  public void process(String customer, Money money, PaymentMethod by, int riskScore, String idempotencyKey) {
    requireText(customer, "customer");
    Objects.requireNonNull(money, "money");
    Objects.requireNonNull(by, "method");
    requireText(idempotencyKey, "idempotencyKey");
    if (idempotencyKeys.contains(idempotencyKey)) {
      return; // the same request again: it was taken, and its outcome stands
    }
    switch (status) {
      case COMPLETED -> throw new AlreadyCompleted(id());
      case FAILED -> throw new AlreadyFailed(id());
      case PENDING_REVIEW -> throw new AwaitingReview(id());
      case NEW -> { }
    }
    checkAmount(money);
    raise(PaymentEvents.INITIATED, new PaymentInitiated(customer, money, by, idempotencyKey));
    if (riskScore >= HIGH_RISK && money.cents() > REVIEW_THRESHOLD.cents()) {
      raise(PaymentEvents.FLAGGED_FOR_REVIEW, new PaymentFlaggedForReview(id(), money, riskScore));
      return;
    }
    var overLimit = by.limitExceeded(money);
    if (overLimit.isPresent()) {
      raise(PaymentEvents.FAILED, new PaymentFailed(id(), overLimit.get()));
      return;
    }
    raise(PaymentEvents.PROCESSED, new PaymentProcessed(id(), money, riskScore));
  }

  /**
   * Gives back {@code money} of a completed payment. Does nothing when {@code idempotencyKey} was
   * seen before.
   *
   * @throws PaymentRuleException when the payment is not completed, the amount is not positive or
   *     not in the payment's currency, or it is more than is left to refund
   */
  public void refund(Money money, String idempotencyKey) {
    Objects.requireNonNull(money, "money");
    requireText(idempotencyKey, "idempotencyKey");
    if (idempotencyKeys.contains(idempotencyKey)) {
      return;
    }
    switch (status) {
      case PENDING_REVIEW -> throw new AwaitingReview(id());
      case NEW, FAILED -> throw new NotRefundable(id(), status);
      case COMPLETED -> { }
    }
    checkAmount(money);
    Money refundable = Money.usd(amount.cents() - refundedCents);
    if (money.cents() > refundable.cents()) {
      throw new RefundExceedsPayment(money, refundable);
    }
    raise(PaymentEvents.REFUNDED, new PaymentRefunded(id(), money, idempotencyKey));
  }

  private static void checkAmount(Money money) {
    if (money.cents() <= 0) {
      throw new InvalidAmount(money);
    }
    if (!money.currency().equals(Money.USD)) {
      throw new CurrencyNotAccepted(money, Money.USD);
    }
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }

  /** Where the payment stands. */
  public Status status() {
    return status;
  }

  /** Who pays; {@code ""} while new. */
  public String customerId() {
    return customerId;
  }

  /** The amount requested. */
  public Money amount() {
    return amount;
  }

  /** How much was refunded so far. */
  public Money refunded() {
    return Money.usd(refundedCents);
  }

  @Override
  public State snapshotState() {
    return new State(status, customerId, amount, method, refundedCents, new ArrayList<>(idempotencyKeys));
  }

  @Override
  public void restoreSnapshotState(State state) {
    status = state.status();
    customerId = state.customerId();
    amount = state.amount();
    method = state.method();
    refundedCents = state.refundedCents();
    idempotencyKeys.clear();
    idempotencyKeys.addAll(state.idempotencyKeys());
  }
}
