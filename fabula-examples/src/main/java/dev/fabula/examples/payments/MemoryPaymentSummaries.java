package dev.fabula.examples.payments;

import dev.fabula.event.Event;
import dev.fabula.projection.Projection;
import dev.fabula.projection.Resettable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * The {@code payment_summary} read model in memory: a map of rows, and a map standing for the
 * customers table. One lock guards every change and every query, so a query sees the read model
 * after one event, never half of one.
 */
final class MemoryPaymentSummaries implements PaymentSummaries {
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<UUID, PaymentView> rows = new HashMap<>();
  private final Map<String, String> customers;
  private final Projection projection = new Keeper();

  MemoryPaymentSummaries(List<Customer> directory) {
    customers = directory.stream().collect(Collectors.toUnmodifiableMap(Customer::id, Customer::name));
  }

  @Override
  public Projection projection() {
    return projection;
  }

  private String customerName(String customerId) {
    String name = customers.get(customerId);
    if (name == null) {
      throw new IllegalStateException("the customers table has no customer " + customerId);
    }
    return name;
  }

  /** Applies events to the rows; a reset empties them. */
  private final class Keeper implements Projection, Resettable {
    @Override
    public void apply(Event<?> event) {
      lock.lock();
      try {
        UUID id = event.aggregate().orElseThrow().id();
        rows.put(id, PaymentSummaries.next(rows.get(id), event, MemoryPaymentSummaries.this::customerName));
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void reset() {
      lock.lock();
      try {
        rows.clear();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public String projectionName() {
      return NAME;
    }
  }

  @Override
  public List<PaymentView> customerPayments(String customerId, Instant from, Instant to, int limit, int offset) {
    PaymentSummaries.checkPage(from, to, limit, offset);
    lock.lock();
    try {
      return rows.values().stream()
          .filter(r -> r.customerId().equals(customerId))
          .filter(r -> !r.processedAt().isBefore(from) && !r.processedAt().isAfter(to))
          // Ties by id in PostgreSQL's uuid order (unsigned bytes, as the text form sorts), not UUID.compareTo's.
          .sorted(Comparator.comparing(PaymentView::processedAt).reversed()
              .thenComparing(r -> r.paymentId().toString()))
          .skip(offset)
          .limit(limit)
          .toList();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public DailyStats dailyStatistics(LocalDate day) {
    Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant end = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    lock.lock();
    try {
      List<PaymentView> ofDay = rows.values().stream()
          .filter(r -> !r.processedAt().isBefore(start) && r.processedAt().isBefore(end))
          .toList();
      long volume = ofDay.stream().mapToLong(r -> r.amount().cents()).sum();
      long average = ofDay.isEmpty() ? 0
          : BigDecimal.valueOf(volume).divide(BigDecimal.valueOf(ofDay.size()), 0, RoundingMode.HALF_UP).longValueExact();
      return new DailyStats(day, ofDay.size(), volume, average,
          ofDay.stream().filter(r -> r.status().equals("failed")).count(),
          ofDay.stream().filter(PaymentView::requiresReview).count());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long rows() {
    lock.lock();
    try {
      return rows.size();
    } finally {
      lock.unlock();
    }
  }
}
