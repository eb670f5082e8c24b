package dev.fabula.examples.payments;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.examples.payments.PaymentCommands.ProcessPayment;
import dev.fabula.examples.payments.PaymentCommands.RefundPayment;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.postgres.Postgres;
import dev.fabula.projection.CatchUp;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.TriggerOptions;
import dev.fabula.repository.Repository;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The payments example, the reference article's system end to end: payments processed and
 * refunded by commands on a command bus, through a repository that snapshots every {@value
 * #SNAPSHOT_EVERY} events; the denormalised {@code payment_summary} read model, enriched from a
 * customers table and kept by a continuous schedule (exactly once on PostgreSQL); the article's
 * two queries; old {@code PaymentProcessedV1} events written at start-up in their old shape and
 * read through an upcaster ({@link LegacyPayments}); the projection's lag after each day; and a
 * rebuild of the read model from the events, timed.
 *
 * <p>In memory by default; on PostgreSQL ({@code FABULA_POSTGRES_URL}, or the local server) with
 * {@code FABULA_STORE=postgres}, in schema {@value #SCHEMA}, which every run drops first and leaves
 * behind for you to look at.
 */
public final class PaymentsExample {
  /** The PostgreSQL schema the example owns: dropped at the start of each run. */
  public static final String SCHEMA = "fabula_payments_example";
  /** A payment is snapshotted whenever a save crosses a multiple of this many versions. */
  public static final int SNAPSHOT_EVERY = 3;
  /** How many days of payments the script generates after the story. */
  public static final int DAYS = 5;
  /** How many payments the script generates per day by default. */
  public static final int PAYMENTS_PER_DAY = 80;

  private static final long SEED = 24;
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * What is open at the end of a run, before it closes: for tests that look at the stores.
   *
   * @param store the event store
   * @param summaries the read model and its queries
   * @param payments the payments' repository
   * @param snapshots the snapshot store
   */
  record Opened(EventStore store, PaymentSummaries summaries, Repository<Payment> payments, SnapshotStore snapshots) {}

  /**
   * The run's figures, for the closing note.
   *
   * @param events events in the store
   * @param rows rows of {@code payment_summary}
   * @param snapshots payments with a snapshot
   * @param replay how long rebuilding the read model from every event took
   */
  record Figures(long events, long rows, long snapshots, Duration replay) {}

  private PaymentsExample() {}

  /** Runs the example and prints what happened. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /**
   * Runs the example, printing to {@code out}: on PostgreSQL ({@code FABULA_POSTGRES_URL}, or the
   * local server) when {@code FABULA_STORE=postgres}, else in memory.
   */
  static void run(PrintStream out) throws Exception {
    if (PaymentsBackend.kind(System.getenv("FABULA_STORE")).equals("postgres")) {
      try (HikariDataSource pool = Postgres.dataSource(Postgres.urlFromEnvironment())) {
        run(out, new PaymentsBackend.Postgresql(pool, SCHEMA), PAYMENTS_PER_DAY, opened -> { });
      }
    } else {
      run(out, new PaymentsBackend.Memory(), PAYMENTS_PER_DAY, opened -> { });
    }
  }

  /**
   * Runs the example on {@code backend}, emptied first, generating {@code paymentsPerDay} payments
   * on each of {@value #DAYS} days, and hands what is open to {@code atEnd} before closing it.
   */
  static Figures run(PrintStream out, PaymentsBackend backend, int paymentsPerDay, Consumer<Opened> atEnd)
      throws Exception {
    CodecRegistry.Builder registry = CodecRegistry.builder()
        .register(PaymentEvents.INITIATED, PaymentEvents.PaymentInitiated.class)
        .register(PaymentEvents.PROCESSED, PaymentEvents.PaymentProcessed.class)
        .register(PaymentEvents.FAILED, PaymentEvents.PaymentFailed.class)
        .register(PaymentEvents.FLAGGED_FOR_REVIEW, PaymentEvents.PaymentFlaggedForReview.class)
        .register(PaymentEvents.REFUNDED, PaymentEvents.PaymentRefunded.class)
        .registerSnapshot(Payment.NAME, Payment.State.class);
    Codec codec = JacksonCodec.create(LegacyPayments.register(registry).build());
    var clock = new ScriptClock(PaymentScript.FIRST_DAY.atStartOfDay().toInstant(ZoneOffset.UTC));

    out.println("== Fabula payments example (" + backend.label() + " store) ==");
    backend.startClean(out);
    PaymentSummaries summaries = backend.summaries();
    try (EventBus bus = InMemory.eventBus();
        EventStore store = EventStores.publishing(backend.eventStore(codec), bus);
        SnapshotStore snapshots = backend.snapshotStore(codec);
        CommandBus commands = CommandBuses.inProcess(CommandBusOptions.defaults())) {
      // Start-up: payments of an older release, stored in the shape of that release.
      var legacy = LegacyPayments.writeAtStartUp(store);
      out.printf("Start-up: wrote %d payment(s) of %s as the old release stored them (%s + %s {id, amount}).%n",
          legacy.size(), LegacyPayments.DAY, PaymentEvents.INITIATED, LegacyPayments.V1);

      Repository<Payment> payments = Repository.builder(store, id -> new Payment(id, clock))
          .snapshots(snapshots, SnapshotSchedule.every(SNAPSHOT_EVERY))
          .build();
      PaymentCommands.HANDLERS.subscribe(commands, payments);
      try (Schedule readSide = Schedule.continuously(bus, store, PaymentEvents.NAMES, ScheduleOptions.builder()
          .debounce(Duration.ofMillis(10))
          .debounceCap(Duration.ofMillis(100))
          .catchUp(CatchUp.BLOCKING)
          .build())) {
        readSide.project(summaries.projection());
        out.printf("The read model %s caught up at start-up: %d row(s).%n", PaymentSummaries.NAME, summaries.rows());

        out.println();
        out.println("-- " + PaymentScript.FIRST_DAY + ", the story: every rule once --");
        Map<String, UUID> named = new HashMap<>();
        for (PaymentScript.Step step : PaymentScript.STORY) {
          UUID id = named.computeIfAbsent(step.payment(), k -> UUID.randomUUID());
          clock.set(PaymentScript.FIRST_DAY.atTime(step.at()).toInstant(ZoneOffset.UTC));
          tell(step, id, commands, payments, out);
        }
        showLag(readSide, store, summaries, "the story", out);

        out.println();
        out.println("-- " + DAYS + " days of generated payments (" + paymentsPerDay + " a day, refunds in the evening) --");
        var script = new PaymentScript(SEED);
        UUID aliceId = named.get("alice-1");
        for (int d = 0; d < DAYS; d++) {
          LocalDate day = PaymentScript.FIRST_DAY.plusDays(d);
          List<Payment> completed = new ArrayList<>();
          int sent = 0;
          for (PaymentScript.Planned p : script.payments(day, paymentsPerDay)) {
            clock.set(p.at());
            PaymentScript.send(commands, p.payment(), p.command(), p.payload());
            sent++;
            Payment payment = payments.fetch(p.payment());
            if (payment.status() == Payment.Status.COMPLETED) {
              completed.add(payment);
            }
          }
          List<PaymentScript.Planned> refunds = script.refunds(day, completed);
          for (PaymentScript.Planned r : refunds) {
            clock.set(r.at());
            PaymentScript.send(commands, r.payment(), r.command(), r.payload());
          }
          out.printf("%s  %d payment(s), %d refund(s); ", day, sent, refunds.size());
          showLag(readSide, store, summaries, null, out);
        }

        out.println();
        printQueries(summaries, out);
        printSnapshots(aliceId, snapshots, payments, out);
        LegacyPayments.show(legacy, store, payments, backend, out);

        // Replay: rebuild the read model from every event, and check it says what it said.
        List<DailyStats> before = statistics(summaries);
        long started = System.nanoTime();
        readSide.trigger(TriggerOptions.rebuild()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Duration replay = Duration.ofNanos(System.nanoTime() - started);
        long events;
        try (Stream<?> all = store.query(EventQuery.all())) {
          events = all.count();
        }
        long rows = summaries.rows();
        List<DailyStats> after = statistics(summaries);
        if (!after.equals(before)) {
          throw new IllegalStateException("the rebuilt read model says " + after + ", but before it said " + before);
        }
        out.println();
        out.printf("Rebuilt %s from all %d event(s) in %d ms: %d row(s), statistics unchanged.%n", PaymentSummaries.NAME,
            events, replay.toMillis(), rows);
        long snapshotted;
        try (var all = snapshots.query(SnapshotQuery.builder().aggregateNames(Payment.NAME).build())) {
          snapshotted = all.map(s -> s.aggregateId()).distinct().count();
        }
        var figures = new Figures(events, rows, snapshotted, replay);
        out.printf("Figures: %d events, %d read-model rows, %d snapshotted payment(s), replay %d ms (%s).%n",
            figures.events(), figures.rows(), figures.snapshots(), replay.toMillis(), backend.label());
        if (!backend.leftBehind().isEmpty()) {
          out.println(backend.leftBehind());
        }
        atEnd.accept(new Opened(store, summaries, payments, snapshots));
        return figures;
      }
    }
  }

  /** Sends one step of the story and says what came of it; fails when it was not what the step expects. */
  private static void tell(PaymentScript.Step step, UUID id, CommandBus commands, Repository<Payment> payments,
      PrintStream out) {
    int before = payments.fetch(id).version();
    String line = String.format("%s %-10s %-14s %-44s -> ", step.at(), step.payment(), step.command(),
        describe(step.payload()));
    try {
      PaymentScript.send(commands, id, step.command(), step.payload());
    } catch (CommandExecutionException rejected) {
      if (!rejected.code().equals(step.expected())) {
        throw new IllegalStateException(line + "expected " + step.expected() + " but got [" + rejected.code() + "]",
            rejected);
      }
      out.println(line + "rejected [" + rejected.code() + "] " + rejected.getMessage());
      return;
    }
    Payment payment = payments.fetch(id);
    boolean stored = payment.version() > before;
    if (stored != step.expected().equals(PaymentScript.DONE)) {
      throw new IllegalStateException(line + "expected " + step.expected() + " but the payment went from version "
          + before + " to " + payment.version());
    }
    if (!stored) {
      out.println(line + "ignored: that key was taken before, still version " + payment.version());
    } else if (step.payload() instanceof RefundPayment) {
      out.printf("%srefunded, %s of %s given back (version %d)%n", line, payment.refunded(), payment.amount(),
          payment.version());
    } else {
      out.printf("%s%s (version %d)%n", line, payment.status(), payment.version());
    }
  }

  private static String describe(Object payload) {
    return switch (payload) {
      case ProcessPayment p -> p.amount() + " by " + p.method() + " for " + p.customerId();
      case RefundPayment r -> r.amount() + " (key " + r.idempotencyKey() + ")";
      default -> payload.toString();
    };
  }

  /**
   * Prints how far the read model is behind the store now, then waits until it caught up and says
   * how long that took.
   */
  private static void showLag(Schedule readSide, EventStore store, PaymentSummaries summaries,
      @Nullable String after, PrintStream out) {
    long position = readSide.status().position();
    long behind;
    try (Stream<?> pending = store.query(EventQuery.builder().afterPosition(position).build())) {
      behind = pending.count();
    }
    long started = System.nanoTime();
    readSide.awaitCaughtUp(WAIT);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    out.printf("%sprojection lag %d event(s), caught up in %d ms (%d row(s))%n",
        after == null ? "" : "After " + after + ": ", behind, tookMs, summaries.rows());
  }

  private static void printQueries(PaymentSummaries summaries, PrintStream out) {
    Instant from = PaymentScript.FIRST_DAY.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant to = PaymentScript.FIRST_DAY.plusDays(4).atStartOfDay().toInstant(ZoneOffset.UTC);
    out.printf("Query 1: payments of cus-alice from %s to %s, newest first, 5 a page%n", from, to);
    for (int page = 0; page < 2; page++) {
      out.println("  page " + (page + 1) + ":");
      for (PaymentView v : summaries.customerPayments("cus-alice", from, to, 5, page * 5)) {
        out.printf("    %s  %-13s %-16s %-14s %-13s refunded %s%n", v.processedAt().truncatedTo(ChronoUnit.SECONDS), v.customerName(), v.amount(),
            v.status(), v.method(), Money.format(v.refundedCents(), v.amount().currency()));
      }
    }
    out.println("Query 2: daily statistics");
    for (DailyStats stats : statistics(summaries)) {
      out.println("  " + stats);
    }
  }

  /** The statistics of every day the script covers, the legacy day first. */
  static List<DailyStats> statistics(PaymentSummaries summaries) {
    List<DailyStats> all = new ArrayList<>();
    all.add(summaries.dailyStatistics(LegacyPayments.DAY));
    for (int d = 0; d < DAYS; d++) {
      all.add(summaries.dailyStatistics(PaymentScript.FIRST_DAY.plusDays(d)));
    }
    return all;
  }

  private static void printSnapshots(UUID alice, SnapshotStore snapshots, Repository<Payment> payments,
      PrintStream out) {
    out.println();
    var snapshot = snapshots.latest(Payment.NAME, alice).orElseThrow(
        () -> new IllegalStateException("alice-1 reached version 4, but has no snapshot"));
    Payment payment = payments.fetch(alice);
    out.printf("Snapshots every %d events: alice-1 has one at version %d; fetching it restores that and replays"
        + " %d later event(s): %s, %s refunded, version %d.%n", SNAPSHOT_EVERY, snapshot.version(),
        payment.version() - snapshot.version(), payment.status(), payment.refunded(), payment.version());
  }
}
