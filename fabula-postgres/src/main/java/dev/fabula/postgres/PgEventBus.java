package dev.fabula.postgres;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.codec.Codec;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import dev.fabula.memory.InMemory;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventLimits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL {@link EventBus} (ADR 0017): {@code publish} appends the events to the bus table
 * with gap-safe positions (ADR 0005) and sends a NOTIFY in the same statement; one pump thread per
 * bus follows the table by position, woken by the notifications of one LISTEN connection, by this
 * bus's own publishes, or at the latest after the poll interval, and hands each event to the
 * subscriptions of this bus whose names match.
 *
 * <p>Each subscription is an in-memory subscription on a bus of its own, which keeps the ordering,
 * buffering, overflow, error and close promises; the pump publishes to it. Under {@link
 * OverflowPolicy#BLOCK} a full subscription holds the pump, and a publisher of this bus waits
 * while more of its events wait for the pump than that subscription buffers: the back-pressure
 * reaches publishers in this process, while events from other processes wait in the table.
 * Members of a queue group claim each event for their group in the claims table first. Durable
 * subscriptions ({@link DurableSubscription}) read the table on their own, woken with the pump. The pump's cursor moves only past rows it handed on, so
 * a lost notification, a broken connection or a failed read delays events but never skips or
 * repeats one.
 */
final class PgEventBus implements EventBus {
  /** The fallback poll: how long the pump waits for a notification before it reads anyway. */
  static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

  /** How long published rows stay in the bus table: a bus is not a store (ADR 0017). */
  static final Duration RETENTION = Duration.ofDays(1);

  /** How often a bus deletes rows older than {@link #RETENTION}. */
  private static final long PRUNE_EVERY_NANOS = Duration.ofMinutes(10).toNanos();

  /** Rows read per round trip. */
  private static final int PAGE = 512;

  private static final long MAX_BACKOFF_MILLIS = 2_000;
  /** How long a waiting publisher sleeps before it looks whether the bus closed. */
  private static final long WAIT_SLICE_MILLIS = 50;
  /** The first look again at rows held back by the horizon; doubled each time up to the poll. */
  private static final long MIN_RECHECK_MILLIS = 5;
  private static final System.Logger LOG = System.getLogger(PgEventBus.class.getName());

  private final DataSource ds;
  private final Codec codec;
  private final String table;
  private final String channel;
  private final String server;
  private final long pollMillis;
  private final String insertSql;
  private final String readSql;
  private final String claims;
  private final String durables;
  private final List<DurableSubscription> durableSubscriptions = new CopyOnWriteArrayList<>();
  private final String claimSql;
  private final List<Member> members = new CopyOnWriteArrayList<>();
  /**
   * The claims this bus won and has not handed on yet; kept across a failed read, since a claim
   * made again finds itself taken. Confined to the pump.
   */
  private final Set<Claim> won = new HashSet<>();
  /** Per queue group, how many events the pump gave its members here: whose turn it is. */
  private final Map<String, Integer> turns = new HashMap<>();
  /**
   * Events this bus published that its pump has not passed yet, by the bus position of each
   * publish's last event; guarded by {@link #backlogLock}. Publishers wait on {@link #pumped}
   * while there are more than a BLOCK subscription of this bus can buffer.
   */
  private final TreeMap<Long, Integer> ownPending = new TreeMap<>();
  private final ReentrantLock backlogLock = new ReentrantLock();
  private final Condition pumped = backlogLock.newCondition();
  private long backlog;
  /** Permits mean "read now": a notification, a publish of this bus, a reconnect. */
  private final Semaphore wake = new Semaphore(0);
  private final Thread pump;
  private final BusListener listener;
  private volatile boolean closed;
  /** The bus position of the last row the pump handed on (or skipped as unsubscribed). */
  private volatile long cursor;

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
    this.claims = claimTable.qualified();
    Schema.Table durableTable = Schema.busDurables(options);
    Schema.ensure(ds, options, durableTable);
    this.durables = durableTable.qualified();
    this.claimSql =
        "INSERT INTO " + claims + " (grp, position) SELECT * FROM unnest(?::text[], ?::bigint[])"
            + " ON CONFLICT DO NOTHING RETURNING grp, position";
    this.channel = table;
    this.insertSql =
        "WITH ins AS (INSERT INTO " + table
            + " (position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data,"
            + " metadata, store_position)"
            + " SELECT " + Positions.FIRST_POSITION + " + u.ord - 1,"
            + " u.id, u.name, u.time_ns, u.an, u.aid, u.av, u.rev, u.data::jsonb, u.meta::jsonb, u.sp"
            + " FROM unnest(?::uuid[], ?::text[], ?::bigint[], ?::text[], ?::uuid[], ?::int[], ?::int[], ?::text[],"
            + " ?::text[], ?::bigint[]) WITH ORDINALITY AS u(id, name, time_ns, an, aid, av, rev, data, meta, sp, ord)"
            + " RETURNING position)"
            + " SELECT (SELECT max(position) FROM ins), pg_notify(?, '')";
    // One row at least: the newest committed position (held back or not) beside each row the
    // horizon lets through, so the pump knows whether to look again soon.
    this.readSql =
        "SELECT m.newest, r.* FROM (SELECT max(position) AS newest FROM " + table + ") m LEFT JOIN LATERAL"
            + " (SELECT " + COLUMNS + " FROM " + table
            + " WHERE position > ? AND " + Positions.SAFE + " ORDER BY position LIMIT " + PAGE + ") r ON true";
    this.cursor = horizon();
    this.pump = Thread.ofPlatform().daemon().name("fabula-pg-bus-pump " + table).unstarted(this::pumpLoop);
    this.listener = new BusListener(ds, channel, server, pollMillis, wake::release);
    pump.start();
    listener.start();
  }

  /**
   * Appends the events to the bus table (one statement: the rows, with gap-safe positions, and a
   * NOTIFY that goes out with the commit), then wakes this bus's pump and waits while it is held
   * by a full subscription of this bus.
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
    long last;
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(insertSql)) {
      int p = columns.bindArrays(c, ps, 1);
      ps.setArray(p++, c.createArrayOf("int8", storePositions));
      ps.setString(p, channel);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        last = rs.getLong(1);
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "publishing " + events.size() + " events to " + table, server);
    }
    awaitRoom(last, events.size());
  }

  /**
   * Back-pressure ({@link dev.fabula.event.OverflowPolicy#BLOCK}): counts the events just
   * published until the pump passes {@code last}, wakes the pump, and waits while more of this
   * bus's events wait for the pump than the smallest BLOCK subscription here can buffer. A pump
   * held by a full subscription so holds this bus's publishers; close releases them.
   */
  private void awaitRoom(long last, int count) {
    backlogLock.lock();
    try {
      if (last > cursor) {
        ownPending.merge(last, count, Integer::sum);
        backlog += count;
      }
      wake.release();
      while (!closed && backlog > blockLimit()) {
        pumped.await(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException("interrupted while waiting for a full subscriber of " + table, e);
    } finally {
      backlogLock.unlock();
    }
  }

  /** The smallest buffer of a BLOCK subscription of this bus; no limit without one. */
  private long blockLimit() {
    long limit = Long.MAX_VALUE;
    for (Member m : members) {
      if (m.options.overflowPolicy() == OverflowPolicy.BLOCK && m.isActive()) {
        limit = Math.min(limit, m.options.bufferCapacity());
      }
    }
    return limit;
  }

  /** The pump passed {@code position}: this bus's events up to it no longer count as waiting. */
  private void passed(long position) {
    backlogLock.lock();
    try {
      if (ownPending.isEmpty() || ownPending.firstKey() > position) {
        return;
      }
      var done = ownPending.headMap(position, true);
      for (int n : done.values()) {
        backlog -= n;
      }
      done.clear();
      pumped.signalAll();
    } finally {
      backlogLock.unlock();
    }
  }

  @Override
  public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
    Objects.requireNonNull(names, "names");
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(options, "options");
    ensureOpen();
    if (names.isEmpty()) {
      throw new IllegalArgumentException("subscribe to at least one event name, or \"*\" for all");
    }
    Set<String> effective = names.contains(ALL) ? Set.of(ALL) : Set.copyOf(names);
    if (options.durable() != null) {
      return subscribeDurable(effective, handler, options);
    }
    Member member = new Member(effective, options);
    member.start(handler);
    members.add(member);
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
        () -> durableSubscriptions.remove(sub[0]));
    durableSubscriptions.add(sub[0]);
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
    listener.close();
    durableSubscriptions.forEach(DurableSubscription::close);
    members.forEach(Member::close); // releases a pump held by a full subscription
    wake.release();
    backlogLock.lock();
    try {
      pumped.signalAll(); // and publishers waiting for it
    } finally {
      backlogLock.unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("event bus");
    }
  }

  /** The highest position a store-following read can never see anything appear below. */
  private long horizon() {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint * " + Positions.EVENTS_PER_TRANSACTION
                + " - 1")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the bus horizon of " + table, server);
    }
  }

  // ---- the pump ----

  private void pumpLoop() {
    int failures = 0;
    long wait = pollMillis;
    long nextPrune = System.nanoTime();
    while (!closed) {
      try {
        if (wake.tryAcquire(wait, TimeUnit.MILLISECONDS)) {
          wake.drainPermits(); // one read serves every wake-up so far
        }
        durableSubscriptions.forEach(DurableSubscription::wake); // they read on their own threads
        if (closed) {
          return;
        }
        if (System.nanoTime() - nextPrune >= 0) {
          nextPrune = System.nanoTime() + PRUNE_EVERY_NANOS;
          prune();
        }
        // Rows committed behind a writer still in flight (ADR 0005) sent their notification
        // already: look again soon, backing off up to the poll interval, rather than wait for it.
        wait = catchUp() ? Math.min(pollMillis, wait == pollMillis ? MIN_RECHECK_MILLIS : wait * 2) : pollMillis;
        failures = 0;
      } catch (InterruptedException e) {
        // Nobody interrupts the pump on purpose; go on until closed.
      } catch (Throwable e) { // a broken connection, an Error: reported, and read again later
        if (closed) {
          return;
        }
        failures++;
        LOG.log(System.Logger.Level.ERROR, "the PostgreSQL event bus could not read " + table + " at " + server
            + " after position " + cursor + "; it reads again from there (attempt " + failures + ")", e);
        sleepQuietly(backoffMillis(failures));
      }
    }
  }

  /**
   * Reads and hands on every row after the cursor that the gap-safe horizon has passed; returns
   * whether committed rows wait behind the horizon.
   */
  private boolean catchUp() throws SQLException {
    while (!closed) {
      Page page = readPage(cursor);
      List<Member> live = liveMembers();
      won.addAll(claim(page.rows(), live));
      for (BusRow row : page.rows()) {
        if (closed) {
          return false;
        }
        handOn(row, live);
        cursor = row.position();
        passed(cursor);
      }
      won.removeIf(c -> c.position() <= cursor); // handed on, or no member here wanted it any more
      if (page.rows().size() < PAGE) {
        return page.newest() > cursor;
      }
    }
    return false;
  }

  /** Deletes rows and claims older than {@link #RETENTION}, of any bus; failures are logged. */
  private void prune() {
    for (String sql : List.of(
        "DELETE FROM " + table + " WHERE published_at < now() - ?::interval",
        "DELETE FROM " + claims + " WHERE claimed_at < now() - ?::interval")) {
      try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, RETENTION.toSeconds() + " seconds");
        ps.executeUpdate();
      } catch (SQLException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "the PostgreSQL event bus could not delete old rows at " + server
            + " (" + sql + "); it tries again later", e);
      }
    }
  }

  /** Rows after {@code after} below the horizon, and the newest committed position (or 0). */
  private record Page(List<BusRow> rows, long newest) {}

  private Page readPage(long after) throws SQLException {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(readSql)) {
      ps.setLong(1, after);
      List<BusRow> rows = new ArrayList<>();
      long newest = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          newest = rs.getLong(1);
          rs.getLong(2);
          if (rs.wasNull()) {
            break; // no row below the horizon: only the newest position
          }
          rows.add(BusRow.read(rs, 2));
        }
      }
      return new Page(rows, newest);
    }
  }

  /** The open subscriptions; forgets those cancelled on overflow or whose delivery ended. */
  private List<Member> liveMembers() {
    List<Member> live = new ArrayList<>(members.size());
    for (Member m : members) {
      if (m.isActive()) {
        live.add(m);
      } else {
        members.remove(m);
      }
    }
    return live;
  }

  /** One event of the bus table taken by one queue group. */
  private record Claim(String group, long position) {}

  /**
   * Takes, for each queue group with a member here, the page's events a member matches, unless
   * a bus (here or in another process) took them already: one INSERT of (group, position) pairs
   * whose primary key lets one claim win. Returns the claims this bus won.
   */
  private Set<Claim> claim(List<BusRow> rows, List<Member> live) throws SQLException {
    List<String> groups = new ArrayList<>();
    List<Long> positions = new ArrayList<>();
    for (BusRow row : rows) {
      Set<String> seen = new HashSet<>();
      for (Member m : live) {
        if (m.group != null && m.matches(row.event().name()) && seen.add(m.group)) {
          groups.add(m.group);
          positions.add(row.position());
        }
      }
    }
    if (groups.isEmpty()) {
      return Set.of();
    }
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(claimSql)) {
      ps.setArray(1, c.createArrayOf("text", groups.toArray()));
      ps.setArray(2, c.createArrayOf("int8", positions.toArray()));
      Set<Claim> taken = new HashSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          taken.add(new Claim(rs.getString(1), rs.getLong(2)));
        }
      }
      return taken;
    }
  }

  /**
   * Hands one row to every subscription outside a queue group whose names match, and to one
   * matching member of each group that won it (in turn), decoding it only if one is to get it (so
   * a bus whose codec does not know a name nobody here subscribed to is not disturbed by it). A
   * row that does not decode is reported to each such subscription's error handler.
   */
  private void handOn(BusRow row, List<Member> live) {
    String name = row.event().name();
    List<Member> targets = new ArrayList<>(2);
    Map<String, List<Member>> groups = null;
    for (Member m : live) {
      if (!m.matches(name)) {
        continue;
      }
      if (m.group == null) {
        targets.add(m);
      } else if (won.contains(new Claim(m.group, row.position()))) {
        if (groups == null) {
          groups = new HashMap<>();
        }
        groups.computeIfAbsent(m.group, g -> new ArrayList<>()).add(m);
      }
    }
    if (groups != null) {
      for (var e : groups.entrySet()) {
        // The members' turn; one that closed since the page was read passes it to the next.
        List<Member> candidates = e.getValue();
        int turn = turns.merge(e.getKey(), 1, Integer::sum);
        for (int i = 0; i < candidates.size(); i++) {
          Member m = candidates.get(Math.floorMod(turn + i, candidates.size()));
          if (m.isActive()) {
            targets.add(m);
            break;
          }
        }
      }
    }
    if (targets.isEmpty()) {
      return;
    }
    Event<?> event;
    try {
      event = EventReader.decode(codec, row.event());
    } catch (Throwable e) { // an Error too: reported, and the next row follows
      targets.forEach(m -> m.report(e));
      return;
    }
    List<Event<?>> one = List.of(event);
    for (Member m : targets) {
      m.deliver(one);
    }
  }

  /** The backend process id of the LISTEN connection, or 0 while there is none; for tests. */
  int listenerPid() {
    return listener.pid();
  }

  /** Sleeps, returning early (and clearing the flag) when interrupted: the loops check close. */
  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      // go on: the loops check whether the bus is closed
    }
  }

  /** The back-off after {@code failures} failures in a row: 100 ms doubling, at most 2 s. */
  static long backoffMillis(int failures) {
    return Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(failures, 10));
  }

  @Override
  public String toString() {
    return "PostgreSQL event bus " + table + " at " + server;
  }

  /** The columns a read of the bus table selects, in {@link BusRow#read}'s order. */
  static final String COLUMNS =
      "position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data, metadata,"
          + " store_position";

  /** A row of the bus table: its bus position and the event's columns (with its store position). */
  record BusRow(long position, EventReader.Row event) {
    /** The row whose {@link #COLUMNS} start at column {@code first} of the current result row. */
    static BusRow read(ResultSet rs, int first) throws SQLException {
      int c = first;
      String aggName = rs.getString(c + 4);
      return new BusRow(
          rs.getLong(c),
          new EventReader.Row(
              rs.getLong(c + 10), rs.getObject(c + 1, UUID.class), rs.getString(c + 2), rs.getLong(c + 3), aggName,
              aggName == null ? null : rs.getObject(c + 5, UUID.class), rs.getInt(c + 6), rs.getInt(c + 7),
              rs.getBytes(c + 8), rs.getBytes(c + 9)));
    }
  }

  /** One subscription: its names, and the in-memory subscription (on a bus of its own) it feeds. */
  private final class Member implements Subscription {
    private final Set<String> names;
    private final SubscriptionOptions options;
    private final @Nullable String group;
    private final EventBus own = InMemory.eventBus();
    private @Nullable Subscription delivery;
    /** Set before an overflow is reported, so the subscription is inactive once its handler hears. */
    private volatile boolean overflowed;

    Member(Set<String> names, SubscriptionOptions options) {
      this.names = names;
      this.options = options;
      this.group = options.queueGroup();
    }

    void start(EventHandler handler) {
      // The group is this bus's business; the in-memory bus only delivers what it is given.
      SubscriptionOptions plain = new SubscriptionOptions(
          options.bufferCapacity(), options.overflowPolicy(), this::onError, null, null);
      delivery = own.subscribe(names, handler, plain);
    }

    private void onError(Throwable e) {
      if (e instanceof SubscriberOverflowException) {
        overflowed = true;
      }
      options.onError().accept(e);
    }

    boolean matches(String name) {
      return names.contains(ALL) || names.contains(name);
    }

    void deliver(List<Event<?>> events) {
      try {
        own.publish(events);
      } catch (ClosedException e) {
        // closed meanwhile: nothing more to deliver to it
      }
    }

    void report(Throwable e) {
      try {
        options.onError().accept(e);
      } catch (Throwable failure) {
        LOG.log(System.Logger.Level.ERROR, "the error handler of the subscription to " + names + " on " + table
            + " failed while reporting " + e, failure);
      }
    }

    @Override
    public boolean isActive() {
      Subscription d = delivery;
      return !overflowed && d != null && d.isActive();
    }

    @Override
    public void close() {
      members.remove(this);
      own.close(); // closes the delivery
    }
  }
}
