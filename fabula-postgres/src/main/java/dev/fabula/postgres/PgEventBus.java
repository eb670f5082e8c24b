package dev.fabula.postgres;

import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.Subscriptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The PostgreSQL {@link EventBus} (ADR 0017): {@code publish} appends the events to the bus table
 * with gap-safe positions (ADR 0005) and sends a NOTIFY in the same statement; one pump thread per
 * bus ({@link BusPump}) follows the table by position, woken by the notifications of one LISTEN
 * connection ({@link BusListener}), by this bus's own publishes, or at the latest after the poll
 * interval, and hands each event to the subscriptions of this bus whose names match ({@link
 * BusSubscribers}).
 *
 * <p>Each subscription is an in-memory subscription on a bus of its own ({@link BusSubscriber}),
 * which keeps the ordering, buffering, overflow, error and close promises; the pump publishes to
 * it. Under {@link OverflowPolicy#BLOCK} a full subscription holds the pump, and a publisher of
 * this bus waits while more of its events wait for the pump than that subscription buffers
 * ({@link Backlog}): the back-pressure reaches publishers in this process, while events from other
 * processes wait in the table. Members of a queue group claim each event for their group in the
 * claims table first ({@link QueueClaims}). Durable subscriptions ({@link DurableSubscription})
 * read the table on their own, woken with the pump.
 */
final class PgEventBus implements EventBus {
  /** The fallback poll: how long the pump waits for a notification before it reads anyway. */
  static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

  private final DataSource ds;
  private final Codec codec;
  private final String table;
  private final String channel;
  private final String server;
  private final long pollMillis;
  private final GroupCommit<BusWriter.Batch, Long> writes;
  private final String durables;
  private final BusSubscribers subscribers;
  private final Backlog backlog;
  private final BusPump pump;
  private final BusListener listener;
  private volatile boolean closed;

  PgEventBus(DataSource ds, Codec codec, PostgresOptions options, Duration poll) {
    this.ds = ds;
    this.codec = codec;
    this.server = Pg.server(ds);
    this.pollMillis = Math.max(1, poll.toMillis());
    Schema.Table bus = Schema.bus(options);
    Schema.ensure(ds, options, bus);
    this.table = bus.qualified();
    Schema.Table claimTable = Schema.busClaims(options);
    Schema.ensure(ds, options, claimTable);
    Schema.Table durableTable = Schema.busDurables(options);
    Schema.ensure(ds, options, durableTable);
    this.durables = durableTable.qualified();
    this.channel = channel(table);
    String insertSql =
        "WITH ins AS (INSERT INTO " + table
            + " (position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data,"
            + " metadata, store_position)"
            + " SELECT " + Positions.FIRST_POSITION + " + u.ord - 1,"
            + " u.id, u.name, u.time_ns, u.an, u.aid, u.av, u.rev, u.data::jsonb, u.meta::jsonb, u.sp"
            + " FROM unnest(?::uuid[], ?::text[], ?::bigint[], ?::text[], ?::uuid[], ?::int[], ?::int[], ?::text[],"
            + " ?::text[], ?::bigint[]) WITH ORDINALITY AS u(id, name, time_ns, an, aid, av, rev, data, meta, sp, ord)"
            + " RETURNING position)"
            + " SELECT (SELECT max(position) FROM ins), pg_notify(?, '')";
    this.writes = new GroupCommit<>(new BusWriter(ds, insertSql, channel, table, server));
    long start = BusPump.horizon(ds, table, server);
    this.subscribers = new BusSubscribers(codec, table);
    this.backlog = new Backlog(start, subscribers::blockLimit);
    this.pump = new BusPump(ds, table, claimTable.qualified(), durables, server, pollMillis, start, subscribers, backlog);
    this.listener = new BusListener(ds, channel, server, pollMillis, pump::wake);
    pump.start();
    listener.start();
  }

  /**
   * Appends the events to the bus table (one statement, shared with the publishes that come at
   * the same time ({@link BusWriter}): the rows, with gap-safe positions, and a NOTIFY that goes
   * out with the commit), then wakes this bus's pump and waits while it is held
   * by a full subscription of this bus (unless it runs in a handler of a PostgreSQL bus
   * subscription, which the pump may be waiting for). An interrupt during that wait ends it with
   * the interrupt kept: the events are published by then.
   *
   * @throws dev.fabula.event.OutcomeUnknownException when the connection broke while the
   *     statement ran: the events may have been committed and delivered
   * @throws PostgresConnectionException when no connection could be had: nothing was published
   */
  @Override
  public void publish(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return;
    }
    if (events.size() > Positions.EVENTS_PER_TRANSACTION) {
      throw new InvalidBatchException(
          "a publish holds at most " + Positions.EVENTS_PER_TRANSACTION + " events on PostgreSQL, this one "
              + events.size() + "; split it");
    }
    EventLimits.checkEvents(events);
    EventColumns columns = EventColumns.of(events, codec);
    Long[] storePositions = new Long[events.size()];
    for (int i = 0; i < storePositions.length; i++) {
      storePositions[i] = events.get(i).position();
    }
    long last = writes.submit(new BusWriter.Batch(columns, storePositions));
    // Counted before the pump wakes, so it cannot pass them uncounted; only events a BLOCK
    // subscription wants can hold the pump.
    backlog.add(last, subscribers.blockWanted(events));
    pump.wake();
    backlog.awaitRoom();
  }

  @Override
  public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    Set<String> effective = Subscriptions.effectiveNames(names, handler, options);
    ensureOpen();
    if (options.durable() != null) {
      return subscribeDurable(effective, handler, options);
    }
    BusSubscriber member = subscribers.add(effective, handler, options);
    if (closed) { // lost a race with close(): leave nothing running
      member.close();
      throw new ClosedException("event bus");
    }
    return member;
  }

  private Subscription subscribeDurable(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    String name = Objects.requireNonNull(options.durable()).name();
    if (options.queueGroup() != null) {
      throw new UnsupportedSubscriptionException(
          "the PostgreSQL event bus does not share a durable subscription (\"" + name + "\") in a queue group (\""
              + options.queueGroup() + "\"): use one durable subscriber, or a queue group without durability");
    }
    var sub = new DurableSubscription[1];
    sub[0] = new DurableSubscription(
        ds, codec, table, durables, server, pollMillis, names, handler, options,
        () -> subscribers.removeDurable(sub[0]));
    subscribers.addDurable(sub[0]);
    sub[0].start();
    if (closed) { // lost a race with close(): leave nothing running
      sub[0].close();
      throw new ClosedException("event bus");
    }
    return sub[0];
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    backlog.close(); // releases waiting publishers
    pump.close();
    listener.close();
    subscribers.close(); // releases a pump held by a full subscription
  }

  /**
   * The NOTIFY channel of a bus table: short and deterministic, since pg_notify refuses a channel
   * longer than 63 bytes while LISTEN silently truncates one.
   */
  static String channel(String table) {
    byte[] name = table.getBytes(StandardCharsets.UTF_8);
    return "fabula_bus_" + UUID.nameUUIDFromBytes(name).toString().replace("-", "");
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("event bus");
    }
  }

  /** The backend process id of the LISTEN connection, or 0 while there is none; for tests. */
  int listenerPid() {
    return listener.pid();
  }

  @Override
  public String toString() {
    return "PostgreSQL event bus " + table + " at " + server;
  }
}
