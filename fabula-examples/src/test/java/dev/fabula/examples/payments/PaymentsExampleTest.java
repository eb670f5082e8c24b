package dev.fabula.examples.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.examples.payments.PaymentEvents.PaymentInitiated;
import dev.fabula.examples.payments.PaymentEvents.PaymentProcessed;
import dev.fabula.postgres.Postgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The payments example in memory and on PostgreSQL ({@code FABULA_POSTGRES_URL} or the local
 * server; skipped where none answers, unless {@code FABULA_REQUIRE_BACKENDS=true}): the story's
 * rules reject what they must, the read model's daily statistics equal a count over the stored
 * events, its pages are the customer's window in order, the {@code PaymentProcessedV1} rows read
 * back through the upcaster, and a rebuild leaves the statistics as they were.
 */
@Timeout(300)
class PaymentsExampleTest {
  /** The first generated day, the same on every backend and every run (a seeded script). */
  private static final String FIRST_DAY_STATS =
      "2026-03-02    83 payment(s)  volume USD 84,879.74      average USD 1,022.65   failed   7  flagged for review 1";

  @Test
  void inMemory() throws Exception {
    var legacy = new AtomicReference<List<UUID>>();
    // The in-memory store keeps the old event as it was inserted, and still reads it as today's.
    String output = run(new PaymentsBackend.Memory(), o -> legacy.set(assertLegacyEventsReadAsToday(o)));
    assertThat(output).contains("== Fabula payments example (in-memory store) ==");
    assertOutcome(output);
    assertThat(legacy.get()).hasSize(3);
  }

  @Test
  void onPostgresEveryRunStartsCleanAndKeepsTheReadModelExactlyOnce() throws Exception {
    HikariDataSource pool;
    try {
      pool = Postgres.dataSource(Postgres.urlFromEnvironment());
    } catch (RuntimeException e) {
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw e;
      }
      assumeTrue(false, "no PostgreSQL server: " + e.getMessage());
      return;
    }
    String schema = "payments_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (pool) {
      try {
        var backend = new PaymentsBackend.Postgresql(pool, schema);
        var legacy = new AtomicReference<List<UUID>>();
        String first = run(backend, o -> legacy.set(assertLegacyEventsReadAsToday(o)));
        assertThat(first)
            .contains("== Fabula payments example (PostgreSQL store) ==")
            .contains("Schema " + schema + " does not exist yet: starting clean.")
            .contains("stored row: PaymentProcessedV1 revision 1 {\"id\": \"")
            .contains("The events stay in schema " + schema);
        assertOutcome(first);
        for (UUID id : legacy.get()) {
          assertThat(backend.storedForm(id)).get(InstanceOfAssertFactories.STRING)
              .as("the stored row of %s is untouched", id)
              .startsWith("PaymentProcessedV1 revision 1 {\"id\": ");
        }

        var rows = new AtomicReference<Long>();
        String second = run(backend, o -> rows.set(o.summaries().rows()));
        assertThat(second).contains("Dropped schema " + schema + " with the events of an earlier run: starting clean.");
        assertOutcome(second);
        assertThat(rows.get()).as("rows after the second run, which started clean").isEqualTo(406);
      } finally {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
          s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
      }
    }
  }

  @Test
  void theReadmeRunsItInMemoryAndOnPostgres() throws Exception {
    String command = "./mvnw -q -Pexample -Dexample.main=" + PaymentsExample.class.getName()
        + " -pl fabula-examples -am package";
    assertThat(Files.readString(Path.of("..", "README.md")))
        .contains("\n" + command + "\n")
        .contains("\nFABULA_STORE=postgres " + command + "\n");
  }

  /** Runs the example; before it closes, checks the read model against the events, then runs {@code more}. */
  private static String run(PaymentsBackend backend, Consumer<PaymentsExample.Opened> more) throws Exception {
    var buffer = new ByteArrayOutputStream();
    PaymentsExample.run(new PrintStream(buffer, true, StandardCharsets.UTF_8), backend,
        PaymentsExample.PAYMENTS_PER_DAY, o -> {
          assertStatisticsEqualACountOverTheEvents(o);
          assertPagesAreTheWindowInOrder(o.summaries());
          more.accept(o);
        });
    return buffer.toString(StandardCharsets.UTF_8);
  }

  private static void assertOutcome(String output) {
    assertThat(output)
        .contains("-> COMPLETED (version 2)")
        .contains("-> ignored: that key was taken before, still version 2")
        .contains("-> rejected [payment.already-completed]")
        .contains("-> rejected [payment.invalid-amount] an amount must be positive, got USD -5.00")
        .contains("-> rejected [payment.currency-not-accepted]")
        .contains("-> rejected [payment.unknown-customer] no customer cus-zed")
        .contains("-> FAILED (version 2)")
        .contains("-> rejected [payment.already-failed]")
        .contains("-> PENDING_REVIEW (version 2)")
        .contains("-> rejected [payment.awaiting-review]")
        .contains("-> rejected [payment.refund-exceeds-payment] a refund of USD 30.00 is more than the USD 22.50 left")
        .contains("-> refunded, USD 42.50 of USD 42.50 given back (version 4)")
        .contains("After the story: projection lag ")
        .contains("2026-03-06  80 payment(s), ")
        .contains(FIRST_DAY_STATS)
        .contains("Snapshots every 3 events: alice-1 has one at version 3; fetching it restores that and replays 1 later")
        .contains("read as:    PaymentProcessed PaymentProcessed[paymentId=")
        .contains("loaded:     payment of cus-alice, USD 19.99, COMPLETED (version 2)")
        .contains("406 row(s), statistics unchanged.")
        .containsPattern("Figures: \\d+ events, 406 read-model rows, \\d+ snapshotted payment\\(s\\), replay \\d+ ms")
        .doesNotContain("Exception");
    assertThat(output.lines().filter(l -> l.contains("projection lag"))).hasSize(1 + PaymentsExample.DAYS);
  }

  /** The article's outcome: the read model's statistics are what counting the events gives. */
  private static void assertStatisticsEqualACountOverTheEvents(PaymentsExample.Opened opened) {
    Map<UUID, PaymentInitiated> initiated = new HashMap<>();
    Map<LocalDate, long[]> counted = new TreeMap<>(); // count, volume, failed, flagged
    try (Stream<Event<?>> events = opened.store().query(EventQuery.builder().aggregateNames(Payment.NAME).build())) {
      events.forEach(e -> {
        UUID id = e.aggregate().orElseThrow().id();
        if (e.data() instanceof PaymentInitiated i) {
          initiated.put(id, i);
          return;
        }
        boolean outcome = e.name().equals(PaymentEvents.PROCESSED) || e.name().equals(PaymentEvents.FAILED)
            || e.name().equals(PaymentEvents.FLAGGED_FOR_REVIEW);
        if (outcome) {
          long[] day = counted.computeIfAbsent(LocalDate.ofInstant(e.time(), ZoneOffset.UTC), d -> new long[4]);
          day[0]++;
          day[1] += initiated.get(id).amount().cents();
          day[2] += e.name().equals(PaymentEvents.FAILED) ? 1 : 0;
          day[3] += e.name().equals(PaymentEvents.FLAGGED_FOR_REVIEW) ? 1 : 0;
        }
      });
    }
    List<DailyStats> expected = new ArrayList<>();
    counted.forEach((day, c) -> expected.add(new DailyStats(day, c[0], c[1],
        BigDecimal.valueOf(c[1]).divide(BigDecimal.valueOf(c[0]), 0, RoundingMode.HALF_UP).longValueExact(), c[2], c[3])));
    assertThat(expected).hasSize(1 + PaymentsExample.DAYS);
    assertThat(PaymentsExample.statistics(opened.summaries())).isEqualTo(expected);
    assertThat(opened.summaries().rows()).isEqualTo(initiated.size());
    assertThat(opened.summaries().dailyStatistics(LocalDate.of(2026, 3, 1)))
        .isEqualTo(new DailyStats(LocalDate.of(2026, 3, 1), 0, 0, 0, 0, 0));
  }

  /** The article's first query: a window of one customer's payments, paged, newest first. */
  private static void assertPagesAreTheWindowInOrder(PaymentSummaries summaries) {
    Instant from = Instant.parse("2026-03-03T00:00:00Z");
    Instant to = Instant.parse("2026-03-05T12:00:00Z");
    List<PaymentView> all = summaries.customerPayments("cus-bob", from, to, 1_000, 0);
    assertThat(all).hasSizeGreaterThan(12);
    assertThat(all).allSatisfy(v -> {
      assertThat(v.customerId()).isEqualTo("cus-bob");
      assertThat(v.customerName()).isEqualTo("Bob Okafor");
      assertThat(v.processedAt()).isBetween(from, to);
    });
    assertThat(all).extracting(PaymentView::processedAt).isSortedAccordingTo(Comparator.reverseOrder());
    List<PaymentView> paged = new ArrayList<>();
    for (int offset = 0; offset < all.size() + 5; offset += 5) {
      paged.addAll(summaries.customerPayments("cus-bob", from, to, 5, offset));
    }
    assertThat(paged).isEqualTo(all);
  }

  /** Old rows read as today's events, in queries by today's name and in repository loads; returns their ids. */
  private static List<UUID> assertLegacyEventsReadAsToday(PaymentsExample.Opened opened) {
    Map<UUID, PaymentInitiated> legacy = new HashMap<>();
    try (Stream<Event<?>> events = opened.store().query(EventQuery.builder().names(PaymentEvents.INITIATED).build())) {
      events.forEach(e -> {
        if (e.data() instanceof PaymentInitiated i && i.idempotencyKey().startsWith("legacy-")) {
          legacy.put(e.aggregate().orElseThrow().id(), i);
        }
      });
    }
    assertThat(legacy).hasSize(3);
    List<UUID> ids = new ArrayList<>();
    try (Stream<Event<?>> events = opened.store().query(EventQuery.builder().names(PaymentEvents.PROCESSED)
        .aggregateIds(legacy.keySet().toArray(UUID[]::new)).build())) {
      events.forEach(e -> {
        UUID payment = e.aggregate().orElseThrow().id();
        assertThat(e.name()).isEqualTo(PaymentEvents.PROCESSED);
        assertThat(e.aggregate().orElseThrow().version()).isEqualTo(2);
        assertThat(e.data()).isEqualTo(new PaymentProcessed(payment, legacy.get(payment).amount(), 0));
        assertThat(LocalDate.ofInstant(e.time(), ZoneOffset.UTC)).isEqualTo(LegacyPayments.DAY);
        ids.add(e.id());
      });
    }
    assertThat(ids).as("the PaymentProcessedV1 rows found by the name PaymentProcessed").hasSize(3);
    Instant dayStart = LegacyPayments.DAY.atStartOfDay().toInstant(ZoneOffset.UTC);
    for (UUID payment : legacy.keySet()) {
      Payment loaded = opened.payments().fetch(payment);
      assertThat(loaded.status()).isEqualTo(Payment.Status.COMPLETED);
      assertThat(loaded.amount()).isEqualTo(legacy.get(payment).amount());
      // The projection, which asks for PaymentProcessed, was given the old rows too.
      String customer = legacy.get(payment).customerId();
      assertThat(opened.summaries().customerPayments(customer, dayStart, dayStart.plusSeconds(86_399), 10, 0))
          .filteredOn(v -> v.paymentId().equals(payment))
          .singleElement()
          .satisfies(v -> assertThat(v.status()).isEqualTo("completed"));
    }
    return ids;
  }
}
