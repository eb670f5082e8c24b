package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.Subscription;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.BatchValidator;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.EventUpcasting;
import dev.fabula.spi.InsertListeners;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * The PostgreSQL {@link EventStore}: checks each call and hands it to the write path ({@link
 * GroupWriter}, {@link EventWriter}) or the read path ({@link EventReader}). See {@code
 * docs/adr/0005-postgres-gap-safe-positions.md} for why a position starts with its writer's
 * transaction id and why store-following reads see only rows of transactions older than the
 * snapshot's xmin, and {@code docs/adr/0009-shared-saves-and-group-commit.md} for why concurrent
 * inserts share transactions.
 */
final class PgEventStore implements EventStore, InsertNotifying {
  /** Schedules of this process follow this store's own inserts (issue 17). */
  private final InsertListeners insertListeners = new InsertListeners();

  private final DataSource ds;
  private final Codec codec;
  private final Lifecycle lifecycle;
  private final String table;
  private final String server;
  private final EventReader reader;
  /** The timeline index, made on first use (ADR 0026). */
  private final TimeIndex timeIndex;
  /** Where concurrent inserts meet to share a transaction (ADR 0009). */
  private final GroupCommit<EventWriter.Batch, List<Event<?>>> commits;

  PgEventStore(DataSource ds, Codec codec, PostgresOptions options, Runnable onClose) {
    this.ds = ds;
    this.codec = codec;
    this.table = options.schema() + "." + options.eventsTable();
    this.server = Pg.server(ds);
    this.timeIndex = new TimeIndex(ds, options, server);
    // The index's build stops before the store's close action (which may close the pool).
    this.lifecycle = new Lifecycle("event store", () -> {
      timeIndex.close();
      onClose.run();
    });
    Schema.ensure(ds, options, Schema.events(options));
    LostInsert lostInsert = new LostInsert(ds, table, server, options.outcomeTimeout());
    EventWriter writer = new EventWriter(ds, options, table, server, lostInsert);
    this.commits = new GroupCommit<>(new GroupWriter(writer, lostInsert, table, server));
    this.reader = new EventReader(ds, codec, table, server, options.fetchSize(), timeIndex);
  }

  @Override
  public List<Event<?>> insert(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return List.of();
    }
    int n = events.size();
    if (n > Positions.EVENTS_PER_TRANSACTION) {
      throw new InvalidBatchException(
          "a batch holds at most " + Positions.EVENTS_PER_TRANSACTION + " events on PostgreSQL, this one "
              + n + "; split it (each part is atomic on its own)");
    }
    EventLimits.checkEvents(events); // the limits every store keeps, before any SQL sees a value
    List<BatchValidator.Span> spans = BatchValidator.validate(events);
    // Encoded (and payloads checked) before a connection is taken.
    EventColumns columns = EventColumns.of(events, codec);
    List<Event<?>> stored = commits.submit(new EventWriter.Batch(events, spans, columns));
    insertListeners.fire(EventUpcasting.forListeners(codec, stored));
    return stored;
  }

  /** The timeline index, for tests. */
  TimeIndex timeIndex() {
    return timeIndex;
  }

  /** The group commit of this store's inserts, for tests. */
  GroupCommit<?, ?> groupCommit() {
    return commits;
  }

  @Override
  public Subscription onInsert(Consumer<List<Event<?>>> listener) {
    return insertListeners.add(listener);
  }

  @Override
  public Optional<Event<?>> find(UUID id) {
    Objects.requireNonNull(id, "id");
    ensureOpen();
    return reader.find(id);
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    Objects.requireNonNull(query, "query");
    ensureOpen();
    EventLimits.checkQuery(query); // PostgreSQL's text cannot hold what a NUL filter asks for
    return reader.query(query);
  }

  @Override
  public void delete(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return;
    }
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE id = ANY(?::uuid[])")) {
      ps.setArray(1, c.createArrayOf("uuid", events.stream().map(Event::id).toArray()));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw Pg.translate(e, "deleting " + events.size() + " events from " + table, server);
    }
  }

  @Override
  public long lastPosition() {
    ensureOpen();
    return reader.lastPosition();
  }

  @Override
  public void close() {
    lifecycle.close();
  }

  private void ensureOpen() {
    lifecycle.ensureOpen();
  }

  @Override
  public String toString() {
    return "PostgreSQL event store " + table + " at " + server;
  }
}
