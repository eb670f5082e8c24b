package dev.fabula.examples.payments;

import dev.fabula.event.Event;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.postgres.SqlProjection;
import dev.fabula.projection.Projection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The {@code payment_summary} read model in PostgreSQL, as the article keeps it: a denormalised
 * table beside a {@code customers} table it copies names from, updated by an exactly-once SQL
 * projection ({@link Postgres#exactlyOnce}), so each event's row change commits together with the
 * projection's position and a crash never applies an event twice or loses one.
 */
final class PgPaymentSummaries implements PaymentSummaries {
  private static final String COLUMNS = "payment_id, customer_id, customer_name, amount, currency, status, method,"
      + " processed_at, risk_score, requires_review, refunded";

  private final DataSource pool;
  private final String summary;
  private final String customers;
  private final Projection projection;

  /**
   * Creates the tables in {@code options}' schema when missing, writes {@code directory} into the
   * customers table, and makes the projection (its progress in the options' progress table).
   */
  PgPaymentSummaries(DataSource pool, PostgresOptions options, List<Customer> directory) throws SQLException {
    this.pool = pool;
    String schema = options.schema(); // validated by PostgresOptions: a plain lower-case identifier
    this.summary = schema + "." + NAME;
    this.customers = schema + ".customers";
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      s.execute("CREATE TABLE IF NOT EXISTS " + customers + " (id text PRIMARY KEY, name text NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS " + summary + " ("
          + "payment_id uuid PRIMARY KEY, customer_id text NOT NULL, customer_name text NOT NULL,"
          + " amount bigint NOT NULL, currency text NOT NULL, status text NOT NULL, method text NOT NULL,"
          + " processed_at timestamptz NOT NULL, risk_score int NOT NULL, requires_review boolean NOT NULL,"
          + " refunded bigint NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS payment_summary_customer_time ON " + summary + " (customer_id, processed_at)");
      s.execute("CREATE INDEX IF NOT EXISTS payment_summary_time ON " + summary + " (processed_at)");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + customers + " (id, name) VALUES (?, ?)"
          + " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name")) {
        for (Customer customer : directory) {
          ps.setString(1, customer.id());
          ps.setString(2, customer.name());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    this.projection = Postgres.exactlyOnce(pool, new Keeper(), options);
  }

  @Override
  public Projection projection() {
    return projection;
  }

  /** Applies each event in the transaction the exactly-once projection gives it. */
  private final class Keeper implements SqlProjection {
    @Override
    public String projectionName() {
      return NAME;
    }

    @Override
    public void apply(Event<?> event, Connection tx) throws SQLException {
      UUID id = event.aggregate().orElseThrow(
          () -> new IllegalStateException("event " + event.id() + " " + event.name() + " belongs to no payment")).id();
      PaymentView current;
      try (PreparedStatement ps = tx.prepareStatement(
          "SELECT " + COLUMNS + " FROM " + summary + " WHERE payment_id = ? FOR UPDATE")) {
        ps.setObject(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          current = rs.next() ? view(rs) : null;
        }
      }
      String name = event.data() instanceof PaymentEvents.PaymentInitiated initiated
          ? customerName(tx, initiated.customerId()) : "";
      PaymentView next = PaymentSummaries.next(current, event, customerId -> name);
      try (PreparedStatement ps = tx.prepareStatement("INSERT INTO " + summary + " (" + COLUMNS + ")"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (payment_id) DO UPDATE SET"
          + " amount = EXCLUDED.amount, currency = EXCLUDED.currency, status = EXCLUDED.status,"
          + " processed_at = EXCLUDED.processed_at, risk_score = EXCLUDED.risk_score,"
          + " requires_review = EXCLUDED.requires_review, refunded = EXCLUDED.refunded")) {
        ps.setObject(1, next.paymentId());
        ps.setString(2, next.customerId());
        ps.setString(3, next.customerName());
        ps.setLong(4, next.amount().cents());
        ps.setString(5, next.amount().currency());
        ps.setString(6, next.status());
        ps.setString(7, next.method());
        ps.setObject(8, OffsetDateTime.ofInstant(next.processedAt(), ZoneOffset.UTC));
        ps.setInt(9, next.riskScore());
        ps.setBoolean(10, next.requiresReview());
        ps.setLong(11, next.refundedCents());
        ps.executeUpdate();
      }
    }

    @Override
    public void reset(Connection tx) throws SQLException {
      try (Statement s = tx.createStatement()) {
        s.execute("DELETE FROM " + summary);
      }
    }
  }

  /** The customer's name, read in the projection's transaction: the article's enrichment. */
  private String customerName(Connection tx, String customerId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("SELECT name FROM " + customers + " WHERE id = ?")) {
      ps.setString(1, customerId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("the customers table has no customer " + customerId);
        }
        return rs.getString(1);
      }
    }
  }

  @Override
  public List<PaymentView> customerPayments(String customerId, Instant from, Instant to, int limit, int offset) {
    PaymentSummaries.checkPage(from, to, limit, offset);
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + summary
            + " WHERE customer_id = ? AND processed_at BETWEEN ? AND ?"
            + " ORDER BY processed_at DESC, payment_id LIMIT ? OFFSET ?")) {
      ps.setString(1, customerId);
      ps.setObject(2, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
      ps.setObject(3, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
      ps.setInt(4, limit);
      ps.setInt(5, offset);
      List<PaymentView> page = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          page.add(view(rs));
        }
      }
      return page;
    } catch (SQLException e) {
      throw new IllegalStateException("querying the payments of " + customerId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public DailyStats dailyStatistics(LocalDate day) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), COALESCE(SUM(amount), 0),"
            + " COALESCE(ROUND(AVG(amount)), 0), COUNT(*) FILTER (WHERE status = 'failed'),"
            + " COUNT(*) FILTER (WHERE requires_review)"
            + " FROM " + summary + " WHERE processed_at >= ? AND processed_at < ?")) {
      ps.setObject(1, day.atStartOfDay().atOffset(ZoneOffset.UTC));
      ps.setObject(2, day.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new DailyStats(day, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("querying the statistics of " + day + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long rows() {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + summary)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("counting the rows of " + summary + ": " + e.getMessage(), e);
    }
  }

  private static PaymentView view(ResultSet rs) throws SQLException {
    return new PaymentView(
        rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
        new Money(rs.getLong(4), rs.getString(5)), rs.getString(6), rs.getString(7),
        rs.getObject(8, OffsetDateTime.class).toInstant(), rs.getInt(9), rs.getBoolean(10), rs.getLong(11));
  }

  @Override
  public String toString() {
    return "payment_summary in " + summary;
  }
}
