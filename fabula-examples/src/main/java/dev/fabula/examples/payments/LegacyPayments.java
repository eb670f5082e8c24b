package dev.fabula.examples.payments;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.examples.payments.PaymentEvents.PaymentInitiated;
import dev.fabula.repository.Repository;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Schema evolution, the article's way: an older release stored a processed payment as {@code
 * PaymentProcessedV1 {id, amount}}, a bare number of US cents; today's {@link
 * PaymentEvents#PROCESSED} is {@code {paymentId, money {cents, currency}, riskScore}}. The stored
 * rows are never rewritten: an event upcaster registered in the codec renames and reshapes them on
 * every read (store queries, repository loads, projections), mapping the old field names and
 * adding the defaults the old release did not know (the currency, which was always US dollars, and
 * a risk score of 0, as no risk engine ran then).
 *
 * <p>Everything the example knows about the old release is in this class: the old event's name and
 * shape, its upcaster, and the start-up step that writes a few payments as that release wrote them.
 */
final class LegacyPayments {
  /** The old event's name. */
  static final String V1 = "PaymentProcessedV1";
  /** The day the old release took the payments written at start-up. */
  static final LocalDate DAY = LocalDate.of(2026, 2, 27);

  /**
   * The old event's shape, kept only to write the start-up rows as the old release did.
   *
   * @param id the payment id
   * @param amount the amount in US cents
   */
  record PaymentProcessedV1(String id, long amount) {}

  /**
   * A payment written at start-up.
   *
   * @param payment its id
   * @param customerId who paid
   * @param processedEvent the id of its {@link #V1} event
   * @param amountCents what was paid
   */
  record Written(UUID payment, String customerId, UUID processedEvent, long amountCents) {}

  private LegacyPayments() {}

  /** Registers the old event's shape and the upcaster that reads it as today's {@link PaymentEvents#PROCESSED}. */
  static CodecRegistry.Builder register(CodecRegistry.Builder registry) {
    return registry
        .register(V1, PaymentProcessedV1.class)
        .eventUpcaster(V1, 1, PaymentEvents.PROCESSED, 1, LegacyPayments::upcast);
  }

  /** {@code {id, amount}} to {@code {paymentId, money {cents, currency}, riskScore}}. */
  static Map<String, Object> upcast(Map<String, Object> old) {
    Object id = old.get("id");
    Object amount = old.get("amount");
    if (id == null || amount == null) {
      throw new IllegalArgumentException(V1 + " needs an id and an amount, got " + old.keySet());
    }
    Map<String, Object> money = new LinkedHashMap<>();
    money.put("cents", amount);
    money.put("currency", Money.USD); // the old release took dollars only
    Map<String, Object> now = new LinkedHashMap<>();
    now.put("paymentId", id);
    now.put("money", money);
    now.put("riskScore", 0); // no risk engine ran then
    return now;
  }

  /**
   * Writes three payments of {@link #DAY} as the old release stored them: today's {@link
   * PaymentEvents#INITIATED} (unchanged since), then {@link #V1} in its old shape.
   */
  static List<Written> writeAtStartUp(EventStore store) {
    List<Written> written = new ArrayList<>();
    String[] customers = {"cus-alice", "cus-dave", "cus-erin"};
    long[] amounts = {1_999, 74_900, 12_050};
    List<Event<?>> batch = new ArrayList<>();
    for (int i = 0; i < customers.length; i++) {
      UUID payment = UUID.randomUUID();
      Instant at = DAY.atTime(10 + i, 0).toInstant(ZoneOffset.UTC);
      batch.add(Event.create(PaymentEvents.INITIATED,
              new PaymentInitiated(customers[i], Money.usd(amounts[i]), PaymentMethod.CARD, "legacy-" + payment))
          .withAggregate(Payment.NAME, payment, 1).withTime(at));
      Event<PaymentProcessedV1> processed = Event.create(V1, new PaymentProcessedV1(payment.toString(), amounts[i]))
          .withAggregate(Payment.NAME, payment, 2).withTime(at.plusSeconds(1));
      batch.add(processed);
      written.add(new Written(payment, customers[i], processed.id(), amounts[i]));
    }
    store.insert(batch);
    return written;
  }

  /**
   * Shows one of them read back: the stored row (where the backend can show it), the event as the
   * store returns it, and the payment as the repository loads it.
   */
  static void show(List<Written> legacy, EventStore store, Repository<Payment> payments, PaymentsBackend backend,
      PrintStream out) {
    Written first = legacy.getFirst();
    out.println();
    out.println("Old events, read through the upcaster " + V1 + " -> " + PaymentEvents.PROCESSED + ":");
    backend.storedForm(first.processedEvent()).ifPresent(row -> out.println("  stored row: " + row));
    Event<?> read = store.find(first.processedEvent()).orElseThrow(
        () -> new IllegalStateException("the " + V1 + " event " + first.processedEvent() + " is gone"));
    out.printf("  read as:    %s %s (version %d)%n", read.name(), read.data(), read.aggregate().orElseThrow().version());
    if (!read.name().equals(PaymentEvents.PROCESSED) || !(read.data() instanceof PaymentEvents.PaymentProcessed)) {
      throw new IllegalStateException("the " + V1 + " event " + read.id() + " reads as " + read.name() + " "
          + read.data() + ", not through its upcaster as " + PaymentEvents.PROCESSED);
    }
    Payment payment = payments.fetch(first.payment());
    if (payment.status() != Payment.Status.COMPLETED || payment.amount().cents() != first.amountCents()) {
      throw new IllegalStateException("the legacy payment " + first.payment() + " loads as " + payment.status() + " "
          + payment.amount() + ", not as the completed payment of " + Money.usd(first.amountCents()) + " it was");
    }
    out.printf("  loaded:     payment of %s, %s, %s (version %d)%n", payment.customerId(), payment.amount(),
        payment.status(), payment.version());
  }
}
