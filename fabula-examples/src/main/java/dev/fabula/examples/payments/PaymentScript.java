package dev.fabula.examples.payments;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.DispatchOptions;
import dev.fabula.examples.payments.PaymentCommands.ProcessPayment;
import dev.fabula.examples.payments.PaymentCommands.RefundPayment;
import dev.fabula.examples.payments.PaymentRuleException.AlreadyCompleted;
import dev.fabula.examples.payments.PaymentRuleException.AlreadyFailed;
import dev.fabula.examples.payments.PaymentRuleException.AwaitingReview;
import dev.fabula.examples.payments.PaymentRuleException.CurrencyNotAccepted;
import dev.fabula.examples.payments.PaymentRuleException.InvalidAmount;
import dev.fabula.examples.payments.PaymentRuleException.RefundExceedsPayment;
import dev.fabula.examples.payments.PaymentRuleException.UnknownCustomer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * What the payments example sends: a story that walks through every rule on its first morning,
 * then days of generated payments and refunds, the same on every run (a seeded random), so the
 * statistics are the same in memory and on PostgreSQL.
 */
final class PaymentScript {
  /** The first day of the script (a Monday). */
  static final LocalDate FIRST_DAY = LocalDate.of(2026, 3, 2);
  /** Outcome of a step that must be done and store events. */
  static final String DONE = "done";
  /** Outcome of a step that repeats an idempotency key: done, but nothing stored. */
  static final String IGNORED = "ignored";

  /**
   * One command of the story.
   *
   * @param at when it is sent, on {@link #FIRST_DAY}
   * @param payment the story's name for the payment
   * @param command the command's name
   * @param payload its payload
   * @param expected {@link #DONE}, {@link #IGNORED} or the code of the rule that must reject it
   */
  record Step(LocalTime at, String payment, String command, Object payload, String expected) {}

  /** The first morning: every rule once. */
  static final List<Step> STORY = List.of(
      process("09:00", "alice-1", "cus-alice", Money.usd(4_250), PaymentMethod.CARD, "alice-1", DONE),
      process("09:01", "alice-1", "cus-alice", Money.usd(4_250), PaymentMethod.CARD, "alice-1", IGNORED),
      process("09:02", "alice-1", "cus-alice", Money.usd(4_250), PaymentMethod.CARD, "alice-1-again", AlreadyCompleted.CODE),
      process("09:05", "bob-1", "cus-bob", Money.usd(-500), PaymentMethod.CARD, "bob-1", InvalidAmount.CODE),
      process("09:06", "bob-1", "cus-bob", new Money(3_000, "EUR"), PaymentMethod.CARD, "bob-1b", CurrencyNotAccepted.CODE),
      process("09:07", "zed-1", "cus-zed", Money.usd(1_000), PaymentMethod.CARD, "zed-1", UnknownCustomer.CODE),
      process("09:10", "carol-1", "cus-carol", Money.usd(250_000), PaymentMethod.WALLET, "carol-1", DONE),
      process("09:11", "carol-1", "cus-carol", Money.usd(25_000), PaymentMethod.WALLET, "carol-1b", AlreadyFailed.CODE),
      process("09:20", "mallory-1", "cus-mallory", Money.usd(1_200_000), PaymentMethod.BANK_TRANSFER, "mallory-1", DONE),
      refund("09:21", "mallory-1", Money.usd(10_000), "mallory-1-r1", AwaitingReview.CODE),
      refund("09:30", "alice-1", Money.usd(2_000), "alice-1-r1", DONE),
      refund("09:31", "alice-1", Money.usd(3_000), "alice-1-r2", RefundExceedsPayment.CODE),
      refund("09:32", "alice-1", Money.usd(2_250), "alice-1-r3", DONE));

  private static Step process(String at, String payment, String customer, Money amount, PaymentMethod method,
      String key, String expected) {
    return new Step(LocalTime.parse(at), payment, PaymentCommands.PROCESS,
        new ProcessPayment(customer, amount, method, key), expected);
  }

  private static Step refund(String at, String payment, Money amount, String key, String expected) {
    return new Step(LocalTime.parse(at), payment, PaymentCommands.REFUND, new RefundPayment(amount, key), expected);
  }

  /**
   * A generated command.
   *
   * @param at when it is sent
   * @param payment the payment it targets
   * @param command the command's name
   * @param payload its payload
   */
  record Planned(Instant at, UUID payment, String command, Object payload) {}

  private final Random random;

  /** A script whose generated days follow {@code seed}. */
  PaymentScript(long seed) {
    random = new Random(seed);
  }

  /**
   * The payments of {@code day}: {@code count} of them between 08:00 and 18:00 UTC, from random
   * customers, mostly small amounts by card, one in twelve large.
   */
  List<Planned> payments(LocalDate day, int count) {
    List<Planned> planned = new ArrayList<>();
    long span = 10 * 3600 / Math.max(1, count);
    Instant open = day.atTime(8, 0).toInstant(ZoneOffset.UTC);
    for (int i = 0; i < count; i++) {
      Customer customer = Customer.DIRECTORY.get(random.nextInt(Customer.DIRECTORY.size()));
      long cents = random.nextInt(12) == 0 ? 200_000 + random.nextInt(1_300_000) : 500 + random.nextInt(40_000);
      int m = random.nextInt(20);
      PaymentMethod method = m < 12 ? PaymentMethod.CARD : m < 17 ? PaymentMethod.BANK_TRANSFER : PaymentMethod.WALLET;
      UUID id = new UUID(random.nextLong(), random.nextLong());
      Instant at = open.plusSeconds(i * span + random.nextLong(Math.max(1, span)));
      planned.add(new Planned(at, id, PaymentCommands.PROCESS,
          new ProcessPayment(customer.id(), Money.usd(cents), method, "pay-" + id)));
    }
    planned.sort(Comparator.comparing(Planned::at));
    return planned;
  }

  /**
   * The evening refunds of {@code day}: one in five of {@code completed} payments gets one to three
   * parts back, never more in all than was paid.
   */
  List<Planned> refunds(LocalDate day, List<Payment> completed) {
    List<Planned> planned = new ArrayList<>();
    Instant evening = day.atTime(19, 0).toInstant(ZoneOffset.UTC);
    int n = 0;
    for (Payment p : completed) {
      if (random.nextInt(5) != 0) {
        continue;
      }
      int parts = 1 + random.nextInt(3);
      long part = p.amount().cents() / parts;
      for (int i = 0; i < parts && part > 0; i++) {
        planned.add(new Planned(evening.plusSeconds(60L * n++), p.id(), PaymentCommands.REFUND,
            new RefundPayment(Money.usd(part), "refund-" + p.id() + "-" + i)));
      }
    }
    return planned;
  }

  /**
   * Sends a command to a payment and waits until it was executed.
   *
   * @throws dev.fabula.command.CommandExecutionException when the payment rejected it
   */
  static void send(CommandBus commands, UUID payment, String name, Object payload) {
    commands.dispatch(Command.create(name, payload).forAggregate(Payment.NAME, payment), DispatchOptions.sync());
  }
}
