package dev.fabula.examples.payments;

import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.examples.shop.ShopStorage;
import dev.fabula.memory.InMemory;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.snapshot.SnapshotStore;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Where the payments example ({@link PaymentsExample}) keeps its events, snapshots and read model:
 * in memory, or in a PostgreSQL schema that the example owns and drops at the start of a run.
 */
sealed interface PaymentsBackend {
  /** What the example prints about where it runs. */
  String label();

  /** Empties what an earlier run left, and says so (nothing to do in memory). */
  void startClean(PrintStream out) throws Exception;

  /** The payment events' store, reading through {@code codec} (and its upcasters). */
  EventStore eventStore(Codec codec);

  /** The payments' snapshots. */
  SnapshotStore snapshotStore(Codec codec);

  /** The {@code payment_summary} read model, its customers table filled from the directory. */
  PaymentSummaries summaries() throws Exception;

  /** How the event {@code id} is stored, as a person would look at it, where the backend can say. */
  Optional<String> storedForm(UUID id);

  /** What stays behind after the run, for the reader to look at, or an empty string. */
  String leftBehind();

  /** Everything in this JVM's memory. */
  record Memory() implements PaymentsBackend {
    @Override
    public String label() {
      return "in-memory";
    }

    @Override
    public void startClean(PrintStream out) {}

    @Override
    public EventStore eventStore(Codec codec) {
      return InMemory.eventStore(codec); // reads old events through the codec's upcasters, as PostgreSQL does
    }

    @Override
    public SnapshotStore snapshotStore(Codec codec) {
      return InMemory.snapshotStore();
    }

    @Override
    public PaymentSummaries summaries() {
      return new MemoryPaymentSummaries(Customer.DIRECTORY);
    }

    @Override
    public Optional<String> storedForm(UUID id) {
      return Optional.empty();
    }

    @Override
    public String leftBehind() {
      return "";
    }
  }

  /** Events, snapshots and read model in PostgreSQL schema {@code schema} (dropped at the start of a run). */
  record Postgresql(DataSource pool, String schema) implements PaymentsBackend {
    @Override
    public String label() {
      return "PostgreSQL";
    }

    @Override
    public void startClean(PrintStream out) throws Exception {
      ShopStorage.startClean(pool, schema, out);
    }

    @Override
    public EventStore eventStore(Codec codec) {
      return Postgres.eventStore(pool, codec, options());
    }

    @Override
    public SnapshotStore snapshotStore(Codec codec) {
      return Postgres.snapshotStore(pool, codec, options());
    }

    @Override
    public PaymentSummaries summaries() throws SQLException {
      return new PgPaymentSummaries(pool, options(), Customer.DIRECTORY);
    }

    @Override
    public Optional<String> storedForm(UUID id) {
      PostgresOptions o = options();
      try (Connection c = pool.getConnection();
          PreparedStatement ps = c.prepareStatement("SELECT name, revision, data::text FROM "
              + o.schema() + "." + o.eventsTable() + " WHERE id = ?")) {
        ps.setObject(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(rs.getString(1) + " revision " + rs.getInt(2) + " " + rs.getString(3))
              : Optional.empty();
        }
      } catch (SQLException e) {
        throw new IllegalStateException("reading the stored row of event " + id + ": " + e.getMessage(), e);
      }
    }

    private PostgresOptions options() {
      return PostgresOptions.builder().schema(schema).build();
    }

    @Override
    public String leftBehind() {
      return "The events stay in schema " + schema + " (table fabula_events, snapshots in fabula_snapshots, the read"
          + " model in payment_summary and customers) until the next run, which drops the schema and starts clean.";
    }
  }

  /**
   * The backend {@code FABULA_STORE} names: {@code memory} (or unset) or {@code postgres}.
   *
   * @throws IllegalArgumentException naming the accepted values when it names another
   */
  static String kind(@Nullable String variable) {
    String kind = variable == null || variable.isBlank() ? "memory" : variable.trim().toLowerCase(Locale.ROOT);
    if (!kind.equals("memory") && !kind.equals("postgres")) {
      throw new IllegalArgumentException("FABULA_STORE must be memory or postgres for the payments example, not '"
          + variable + "'");
    }
    return kind;
  }
}
