package dev.fabula.postgres;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.InvalidEventException;
import dev.fabula.event.Metadata;
import dev.fabula.event.OutcomeUnknownException;
import dev.fabula.event.Range;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.event.Subscription;
import dev.fabula.codec.Codec;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.InsertListeners;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;

/**
 * The PostgreSQL {@link EventStore}. See {@code docs/adr/0005-postgres-gap-safe-positions.md} for
 * why a position starts with its writer's transaction id and why store-following reads see only
 * rows of transactions older than the snapshot's xmin, and {@code
 * docs/adr/0009-shared-saves-and-group-commit.md} for why concurrent inserts share transactions.
 */
final class PgEventStore implements EventStore, InsertNotifying {
  /** Schedules of this process follow this store's own inserts (issue 17). */
  private final InsertListeners insertListeners = new InsertListeners();

  /**
   * Positions per transaction: an event's position is {@code xid * EVENTS_PER_TRANSACTION + i}
   * for the i-th event (from 0) of the batch its transaction inserts, so positions are ordered by
   * transaction id first (ADR 0005). A batch holds at most this many events.
   */
  static final int EVENTS_PER_TRANSACTION = 1 << 20;

  /**
   * The position of the first event the current transaction inserts. {@code pg_current_xact_id()}
   * assigns the xid if the transaction has none yet; the multiplication fails with "bigint out of
   * range" rather than wrap, should the xid ever exceed 2^43.
   */
  static final String FIRST_POSITION =
      "pg_current_xact_id()::text::bigint * " + EVENTS_PER_TRANSACTION;

  private static final String COLUMNS =
      "position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data, metadata";
  /**
   * {@link #COLUMNS} for a query of one aggregate: its name and id are the query's, so the server
   * does not send them again with every row (a tenth of a 10,000-event load, measured).
   */
  private static final String ONE_AGGREGATE_COLUMNS =
      "position, id, name, time_ns, NULL, NULL, aggregate_version, revision, data, metadata";
  /**
   * The store-following filter (ADR 0005): only rows of transactions older than the statement
   * snapshot's xmin. Since a row's position starts with its transaction id, that is a bound on the
   * position (the first position xmin's transaction would take), which the primary key index
   * serves as a range. The bound is a scalar subquery, so PostgreSQL computes it once per
   * statement (an InitPlan) from the statement's snapshot.
   */
  static final String SAFE =
      "position < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint * "
          + EVENTS_PER_TRANSACTION + ")";

  private final DataSource ds;
  private final Codec codec;
  private final PostgresOptions options;
  private final Lifecycle lifecycle;
  private final String table;
  private final String server;
  /** The INSERTs with the continuity guard, for batches that continue stored streams. */
  private final Inserts guarded;
  /**
   * The INSERTs without it, for batches whose every aggregate starts at version 1: nothing can
   * be stored below version 1, so there is no gap to guard against, and a version 1 already
   * taken is caught by the unique key. New aggregates skip the guard's subquery.
   */
  private final Inserts unguarded;
  /** Where concurrent inserts meet to share a transaction (ADR 0009). */
  private final GroupCommit<Batch, List<Event<?>>> commits = new GroupCommit<>(new GroupWriter());

  /**
   * One set of INSERT statements, chosen by batch size.
   *
   * @param one a single event (the usual command): plain parameters
   * @param rows 2 to {@link #MAX_VALUES_ROWS} events, by size: a VALUES row per event
   * @param arrays larger batches: one array per column, unnested
   */
  private record Inserts(String one, String[] rows, String arrays) {

    String forSize(int n) {
      return n == 1 ? one : n <= MAX_VALUES_ROWS ? rows[n] : arrays;
    }
  }

  /** A group commit takes no more events than this (a caller's batch alone may have more). */
  static final int MAX_GROUP_EVENTS = 10_000;

  /** Batches up to this size are sent as VALUES rows, larger ones as arrays. */
  static final int MAX_VALUES_ROWS = 16;

  /** One event's columns as parameters (without the closing parenthesis). */
  private static final String VALUES_ROW =
      "(?::uuid, ?::text, ?::bigint, ?::text, ?::uuid, ?::int, ?::int, ?::text, ?::text";

  PgEventStore(DataSource ds, Codec codec, PostgresOptions options, Runnable onClose) {
    this.ds = ds;
    this.codec = codec;
    this.options = options;
    this.lifecycle = new Lifecycle("event store", onClose);
    this.table = options.schema() + "." + options.eventsTable();
    this.server = Pg.server(ds);
    Schema.ensure(ds, options, Schema.events(options));
    this.guarded = inserts(true);
    this.unguarded = inserts(false);
  }

  private Inserts inserts(boolean guard) {
    String into =
        "INSERT INTO " + table
            + " (position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data, metadata)"
            + " OVERRIDING SYSTEM VALUE SELECT " + FIRST_POSITION;
    // The continuity guard: every aggregate of the batch must continue its stored stream exactly,
    // that is start at version 1 or find version first - 1 stored. If one doesn't, the statement
    // inserts nothing; versions the batch would take again are caught by the unique key. One
    // statement in autocommit, so it is atomic without an explicit transaction.
    //
    // "first - 1 is stored" is asked as a scalar subquery on the whole unique key, which plans as
    // one index probe even in the generic plan a reused statement gets. Asked as max(version)
    // below first it walked the index backwards; asked as EXISTS under an OR, PostgreSQL made it a
    // hashed subplan over a sequential scan of the table (BENCHMARKS.md entry 22).
    String spansGuard = !guard ? "" :
        " WHERE NOT EXISTS (SELECT 1 FROM unnest(?::text[], ?::uuid[], ?::int[]) AS b(an, aid, f)"
            + " WHERE b.f <> 1 AND " + previousVersion("b.an", "b.aid", "b.f") + " IS NULL)";
    // Rows go in in the order of the (aggregate name, id, version) key, not in batch order (their
    // positions still follow the batch: u.ord). Two statements that take versions of the same
    // aggregates then wait for each other in one order only, so they cannot deadlock; group commit
    // puts independent callers' aggregates into one statement in arrival order, which made
    // opposite orders (and "deadlock detected") common.
    String tail = spansGuard + " ORDER BY u.an COLLATE \"C\", u.aid, u.av, u.ord RETURNING id, position";
    String select =
        into + " + u.ord - 1,"
            + " u.id, u.name, u.time_ns, u.an, u.aid, u.av, u.rev, u.data::jsonb, u.meta::jsonb";
    String arrays =
        select
            + " FROM unnest(?::uuid[], ?::text[], ?::bigint[], ?::text[], ?::uuid[], ?::int[], ?::int[], ?::text[], ?::text[])"
            + " WITH ORDINALITY AS u(id, name, time_ns, an, aid, av, rev, data, meta, ord)"
            + tail;
    // Small batches: one VALUES row of plain parameters per event instead of nine arrays that the
    // server parses from text (a batch of 10 is the usual "several events per command").
    String[] rows = new String[MAX_VALUES_ROWS + 1];
    for (int n = 2; n <= MAX_VALUES_ROWS; n++) {
      StringBuilder values = new StringBuilder();
      for (int ord = 1; ord <= n; ord++) {
        values.append(ord == 1 ? "" : ", ").append(VALUES_ROW).append(", ").append(ord).append(')');
      }
      rows[n] =
          select + " FROM (VALUES " + values + ") AS u(id, name, time_ns, an, aid, av, rev, data, meta, ord)" + tail;
    }
    // One event: plain parameters instead of twelve one-element arrays, and the guard on its own
    // columns. pgbench, against the array form: about 12% less server time per insert.
    String one =
        into + ","
            + " u.id, u.name, u.time_ns, u.an, u.aid, u.av, u.rev, u.data::jsonb, u.meta::jsonb"
            + " FROM (VALUES " + VALUES_ROW + ")) AS u(id, name, time_ns, an, aid, av, rev, data, meta)"
            + (!guard ? "" :
                " WHERE u.av IS NULL OR u.av = 1 OR " + previousVersion("u.an", "u.aid", "u.av") + " IS NOT NULL")
            + " RETURNING id, position";
    return new Inserts(one, rows, arrays);
  }

  /** Scalar subquery: the stored version just below {@code version} of one aggregate, or NULL. */
  private String previousVersion(String name, String id, String version) {
    return "(SELECT e.aggregate_version FROM " + table + " e WHERE e.aggregate_name = " + name
        + " AND e.aggregate_id = " + id + " AND e.aggregate_version = " + version + " - 1)";
  }

  // ------------------------------------------------------------------------------------ insert

  /** First and last version a batch writes for one aggregate. */
  private record Span(String name, UUID id, int first, int last) {}

  @Override
  public List<Event<?>> insert(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return List.of();
    }
    int n = events.size();
    if (n > EVENTS_PER_TRANSACTION) {
      throw new InvalidBatchException(
          "a batch holds at most " + EVENTS_PER_TRANSACTION + " events on PostgreSQL, this one "
              + n + "; split it (each part is atomic on its own)");
    }
    EventLimits.checkEvents(events); // the limits every store keeps, before any SQL sees a value
    Map<String, Span> spans = validate(events);
    Columns columns = columns(events); // encoded (and payloads checked) before a connection is taken
    List<Event<?>> stored = commits.submit(new Batch(events, spans, columns));
    insertListeners.fire(stored);
    return stored;
  }

  /** The group commit of this store's inserts, for tests. */
  GroupCommit<?, ?> groupCommit() {
    return commits;
  }

  @Override
  public Subscription onInsert(Consumer<List<Event<?>>> listener) {
    return insertListeners.add(listener);
  }

  /** A validated batch with its columns encoded, on its way to {@link #write}. */
  private record Batch(List<? extends Event<?>> events, Map<String, Span> spans, Columns columns) {}

  /**
   * Writes concurrent batches together (ADR 0009): batches of distinct aggregates go into one
   * INSERT, one transaction. Should that group be refused (a conflict, a duplicate id, a broken
   * continuity), each batch is written again on its own, so only the batch at fault fails.
   */
  private final class GroupWriter implements GroupCommit.Writer<Batch, List<Event<?>>> {
    @Override
    public boolean fits(List<Batch> taken, Batch next) {
      int events = next.events().size();
      for (Batch b : taken) {
        events += b.events().size();
        for (String key : next.spans().keySet()) {
          if (b.spans().containsKey(key)) {
            return false; // the same aggregate twice: at most one of them can be right
          }
        }
      }
      return events <= MAX_GROUP_EVENTS;
    }

    /** A version {@code written} stored is one {@code waiting} claims: its insert can only conflict. */
    @Override
    public @Nullable RuntimeException supersededBy(Batch written, Batch waiting) {
      for (Map.Entry<String, Span> e : waiting.spans().entrySet()) {
        Span mine = e.getValue();
        Span theirs = written.spans().get(e.getKey());
        if (theirs != null && mine.first() <= theirs.last()) {
          return new ConcurrencyException(mine.name(), mine.id(), mine.first() - 1, theirs.last());
        }
      }
      return null;
    }

    @Override
    public List<GroupCommit.Outcome<List<Event<?>>>> write(List<Batch> group) {
      if (group.size() > 1) {
        List<Event<?>> events = new ArrayList<>();
        Map<String, Span> spans = new LinkedHashMap<>();
        List<Columns> columns = new ArrayList<>(group.size());
        for (Batch b : group) {
          events.addAll(b.events());
          spans.putAll(b.spans());
          columns.add(b.columns());
        }
        try {
          List<Event<?>> stored = PgEventStore.this.write(new Batch(events, spans, Columns.concat(columns)));
          List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
          int from = 0;
          for (Batch b : group) {
            int to = from + b.events().size();
            outcomes.add(GroupCommit.Outcome.of(List.copyOf(stored.subList(from, to))));
            from = to;
          }
          return outcomes;
        } catch (PostgresConnectionException lost) {
          // Settled after the connection broke: the group's statement stored nothing. Nothing
          // here is any one batch's fault, and the server may be gone: every batch gets it.
          return failAll(group, lost);
        } catch (OutcomeUnknownException unknown) {
          List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
          for (Batch b : group) {
            outcomes.add(GroupCommit.Outcome.failed(outcomeUnknown(
                b.events(), "inserting a group of " + events.size() + " events into " + table,
                unknown.getCause() == null ? unknown : unknown.getCause())));
          }
          return outcomes;
        } catch (RuntimeException e) {
          if (!isOneBatchsFault(e)) {
            // A cancelled statement, a server out of resources, a read-only server, a failure
            // after the commit: no batch is at fault, and writing each again could only fail the
            // same way, or (after a commit) report the group's own events as duplicates.
            return failAll(group, e);
          }
          // A conflict, a duplicate id, a broken continuity, a value the server refused, a
          // deadlock: each batch is written again on its own, so that only the batch at fault
          // fails, with the exception it would have had alone (ADR 0009).
        }
      }
      List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
      RuntimeException connectionLost = null;
      for (Batch b : group) {
        if (connectionLost != null) {
          // Not sent: the server was out of reach a moment ago, and settling each remaining batch
          // could take the whole outcome timeout for nothing.
          outcomes.add(GroupCommit.Outcome.failed(new PostgresConnectionException(
              server, "Did not send " + b.events().size() + " events to " + table
                  + " (not stored): the connection was lost writing another batch of their group",
              connectionLost)));
          continue;
        }
        try {
          outcomes.add(GroupCommit.Outcome.of(PgEventStore.this.write(b)));
        } catch (PostgresConnectionException | OutcomeUnknownException e) {
          connectionLost = e;
          outcomes.add(GroupCommit.Outcome.failed(e));
        } catch (RuntimeException e) {
          outcomes.add(GroupCommit.Outcome.failed(e));
        }
      }
      return outcomes;
    }

    /** An Error once the group was on its way: it may have been stored. */
    @Override
    public RuntimeException inFlightFailure(Batch batch, Throwable error) {
      return outcomeUnknown(batch.events(), "inserting " + batch.events().size() + " events into " + table
          + " (the write failed with " + error + ")", error);
    }
  }

  /**
   * Whether a group's failure {@code e} may be one batch's fault, so that writing each batch
   * alone tells which: a conflict, a duplicate id, a broken continuity, an event refused, or a
   * value the server refused (SQLState class 22 data exception, class 23 integrity violation, a
   * trigger's {@code RAISE}, class P0), or a deadlock.
   */
  static boolean isOneBatchsFault(RuntimeException e) {
    if (e instanceof ConcurrencyException || e instanceof DuplicateEventException
        || e instanceof InvalidBatchException || e instanceof InvalidEventException) {
      return true;
    }
    if (e instanceof PostgresException p) {
      String state = p.sqlState();
      return state.startsWith("22") || state.startsWith("23") || state.startsWith("P0") || state.equals(Pg.DEADLOCK);
    }
    return false;
  }

  /** The one {@link OutcomeUnknownException} of an insert whose connection broke. */
  private OutcomeUnknownException outcomeUnknown(List<? extends Event<?>> events, String what, Throwable cause) {
    return new OutcomeUnknownException(
        events.stream().map(Event::id).toList(),
        "Lost the connection to PostgreSQL at " + server + " while " + what
            + ", and could not learn within " + options.outcomeTimeout() + " whether it was stored",
        cause);
  }

  private static List<GroupCommit.Outcome<List<Event<?>>>> failAll(List<Batch> group, RuntimeException e) {
    List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
    for (int i = 0; i < group.size(); i++) {
      outcomes.add(GroupCommit.Outcome.failed(e));
    }
    return outcomes;
  }

  /** Writes one batch (a caller's, or a group's) as one INSERT in autocommit. */
  private List<Event<?>> write(Batch batch) {
    List<? extends Event<?>> events = batch.events();
    Map<String, Span> spans = batch.spans();
    Columns columns = batch.columns();
    int n = events.size();
    Connection c = null;
    @Nullable Backend backend = null;
    boolean sent = false;
    try {
      c = ds.getConnection();
      // Taken now: the pool replaces a connection that failed by a closed stand-in.
      backend = backend(c);
      // Autocommit: the guarded INSERT is one statement, so it is the atomic unit, and it
      // commits in the same round trip.
      Map<UUID, Long> positions = new HashMap<>(n * 2);
      boolean guard = !startsEveryStream(spans);
      try (PreparedStatement ps = c.prepareStatement((guard ? guarded : unguarded).forSize(n))) {
        if (n == 1) {
          columns.bindRow(ps, 1, 0);
        } else {
          int p;
          if (n <= MAX_VALUES_ROWS) {
            p = 1;
            for (int i = 0; i < n; i++) {
              p = columns.bindRow(ps, p, i);
            }
          } else {
            p = columns.bindArrays(c, ps, 1);
          }
          if (guard) {
            bindSpans(c, ps, p, spans);
          }
        }
        sent = true;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            positions.put(rs.getObject(1, UUID.class), rs.getLong(2));
          }
        }
      }
      if (positions.size() != n) {
        // The guard held the batch back: nothing was stored. Say which aggregate and why.
        throw continuityFailure(c, spans);
      }
      List<Event<?>> stored = new ArrayList<>(n);
      long previous = 0;
      for (Event<?> e : events) {
        long position = positions.get(e.id());
        if (position <= previous) {
          throw new IllegalStateException("positions were not assigned in batch order");
        }
        previous = position;
        stored.add(e.withPosition(position));
      }
      return stored;
    } catch (SQLException e) {
      if (sent && Pg.isConnectionFailure(e)) {
        // The statement may have been sent: it may have committed with its reply lost, or still
        // run on a backend whose client is gone. Find out instead of saying "nothing stored".
        Pg.closeQuietly(c);
        c = null;
        return afterLostConnection(events, e, backend);
      }
      Pg.rollbackQuietly(c);
      String state = e.getSQLState();
      if (c != null && (Pg.UNIQUE_VIOLATION.equals(state) || Pg.DEADLOCK.equals(state))) {
        // A deadlock between inserts is two writers taking the same versions: a lost race too.
        // Diagnosed on this connection (autocommit: usable after the failed statement), never on
        // a second one while holding it (ReadSlots relies on that).
        throw conflict(c, e, events, spans);
      }
      throw Pg.translate(e, "inserting " + n + " events into " + table, server);
    } catch (RuntimeException e) {
      Pg.rollbackQuietly(c);
      throw e;
    } finally {
      Pg.closeQuietly(c);
    }
  }

  /**
   * A server process, told apart from a later one with the same pid (after a restart, or another
   * client's behind a pooler) by its start time, as {@code pg_stat_activity.backend_start} prints it.
   */
  record Backend(int pid, String start) {}

  /** The backend of each physical connection, asked once per connection. */
  private static final Map<Object, Backend> BACKENDS = Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * The server process behind {@code c}, or null when it cannot be known (not a pgjdbc
   * connection). Its pid is known to pgjdbc since login; its start time is asked once per
   * physical connection.
   */
  private static @Nullable Backend backend(Connection c) throws SQLException {
    PGConnection pg;
    try {
      if (!c.isWrapperFor(PGConnection.class)) {
        return null;
      }
      pg = c.unwrap(PGConnection.class);
    } catch (SQLException | RuntimeException e) {
      return null;
    }
    Backend known = BACKENDS.get(pg);
    if (known != null) {
      return known;
    }
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT pg_backend_pid(), backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
      if (!rs.next() || rs.getString(2) == null) {
        return null;
      }
      Backend b = new Backend(rs.getInt(1), rs.getString(2));
      BACKENDS.put(pg, b);
      return b;
    }
  }

  /** How long to wait between two attempts to settle a lost insert. */
  private static final long SETTLE_PAUSE_NANOS = 20_000_000;

  /** Whether {@code pg_terminate_backend} can wait for the exit (PostgreSQL 14+); null until asked. */
  private volatile @Nullable Boolean terminateWaits;

  /**
   * After the connection broke during an insert: settles on fresh connections whether the batch
   * was stored. First the old backend must be gone: while it lives, the statement may still
   * arrive (its bytes may sit in a kernel buffer, be retransmitted, or be forwarded late by a
   * proxy) and commit, even when the backend looks idle. So it is always stopped with {@code
   * pg_terminate_backend} (which lets a commit in progress complete and rolls anything else back)
   * and considered done only once it has left {@code pg_stat_activity}; it is matched by pid and
   * start time, so a later session with the same pid is left alone. Then the batch's ids tell:
   * all stored, the insert committed and its events are returned with their positions; otherwise
   * it stored nothing ({@link PostgresConnectionException}). If that cannot be learnt within
   * {@link PostgresOptions#outcomeTimeout()} (the server stays out of reach, or the backend is
   * unknown, or may not be signalled and does not exit), {@link OutcomeUnknownException}. Ids are
   * unique, so a retry of the same batch can never store it twice.
   */
  private List<Event<?>> afterLostConnection(
      List<? extends Event<?>> events, SQLException lost, @Nullable Backend backend) {
    int n = events.size();
    String what = "inserting " + n + " events into " + table;
    long deadline = System.nanoTime() + options.outcomeTimeout().toNanos();
    // The caller's own interrupt may be what closed the connection (a virtual thread's socket
    // closes on interrupt): it is kept for the caller, not let near the connections used here.
    boolean interrupted = Thread.interrupted();
    SQLException firstFailure = null;
    SQLException lastFailure = null;
    boolean backendGone = false;
    try {
      while (true) {
        try (Connection c = ds.getConnection()) {
          // The backend first: once it is gone, what the ids show is final.
          if (!backendGone && backend != null) {
            backendGone = stopAndCheckGone(c, backend, deadline);
          }
          Map<UUID, Long> found = storedPositions(c, events);
          if (found.size() == n) {
            List<Event<?>> stored = new ArrayList<>(n);
            for (Event<?> e : events) {
              stored.add(e.withPosition(found.get(e.id())));
            }
            return stored;
          }
          if (backendGone) {
            throw Pg.translate(lost, what + " (checked afterwards: the batch was not stored)", server);
          }
        } catch (SQLException e) {
          // The first failure and the last one tell the story; the ones between repeat it.
          if (firstFailure == null) {
            firstFailure = e;
          } else {
            lastFailure = e;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          if (firstFailure != null) {
            lost.addSuppressed(firstFailure);
          }
          if (lastFailure != null) {
            lost.addSuppressed(lastFailure);
          }
          throw outcomeUnknown(events, what, lost);
        }
        LockSupport.parkNanos(Math.min(SETTLE_PAUSE_NANOS, left));
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Stops {@code backend} if it still runs, and tells whether it is gone. On PostgreSQL 14 and
   * later {@code pg_terminate_backend} waits for the exit (at most until {@code deadline}); on
   * older servers the caller asks again after a pause.
   */
  private boolean stopAndCheckGone(Connection c, Backend backend, long deadline) throws SQLException {
    Boolean waits = terminateWaits;
    if (waits == null) {
      waits = c.getMetaData().getDatabaseMajorVersion() >= 14; // known since login
      terminateWaits = waits;
    }
    String match = " FROM pg_stat_activity WHERE pid = ? AND backend_start = ?::timestamptz AND pid <> pg_backend_pid()";
    try (PreparedStatement ps = c.prepareStatement(
        waits ? "SELECT pg_terminate_backend(pid, ?)" + match : "SELECT pg_terminate_backend(pid)" + match)) {
      int p = 1;
      if (waits) {
        ps.setLong(p++, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      ps.setInt(p++, backend.pid());
      ps.setString(p, backend.start());
      ps.executeQuery().close();
    } catch (SQLException refused) {
      if (Pg.isConnectionFailure(refused)) {
        throw refused;
      }
      // not allowed to signal it: wait for it to notice its client is gone
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT 1" + match)) {
      ps.setInt(1, backend.pid());
      ps.setString(2, backend.start());
      try (ResultSet rs = ps.executeQuery()) {
        return !rs.next();
      }
    }
  }

  /** The positions of the batch's events that are stored, by id. */
  private Map<UUID, Long> storedPositions(Connection c, List<? extends Event<?>> events) throws SQLException {
    Map<UUID, Long> found = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT id, position FROM " + table + " WHERE id = ANY(?)")) {
      ps.setArray(1, c.createArrayOf("uuid", events.stream().map(Event::id).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.put(rs.getObject(1, UUID.class), rs.getLong(2));
        }
      }
    }
    return found;
  }

  /** Whether every aggregate of the batch starts at version 1 (true when it has none). */
  private static boolean startsEveryStream(Map<String, Span> spans) {
    for (Span span : spans.values()) {
      if (span.first() != 1) {
        return false;
      }
    }
    return true;
  }

  /** Checks ids, in-batch versions and times before anything is sent. */
  private static Map<String, Span> validate(List<? extends Event<?>> events) {
    Set<UUID> ids = new HashSet<>(events.size() * 2);
    Map<String, Span> spans = new LinkedHashMap<>();
    for (Event<?> e : events) {
      if (!ids.add(e.id())) {
        throw new DuplicateEventException(e.id());
      }
      AggregateRef ref = e.aggregateOrNull();
      if (ref == null) {
        continue;
      }
      String key = ref.name() + '\u0000' + ref.id();
      Span span = spans.get(key);
      if (span == null) {
        spans.put(key, new Span(ref.name(), ref.id(), ref.version(), ref.version()));
      } else if (ref.version() != span.last() + 1) {
        throw new InvalidBatchException(
            "event " + e.id() + " has version " + ref.version() + " of " + ref.name() + " "
                + ref.id() + ", but the batch's previous event of it has version " + span.last());
      } else {
        spans.put(key, new Span(span.name(), span.id(), span.first(), ref.version()));
      }
    }
    return spans;
  }

  private static long nanos(Event<?> e) {
    try {
      return Pg.toNanos(e.time());
    } catch (ArithmeticException overflow) {
      throw new InvalidBatchException(
          "event " + e.id() + " has time " + e.time()
              + ", outside what PostgreSQL stores to the nanosecond (1677-09-21 to 2262-04-11)");
    }
  }

  /** The batch's column values, one array per column, in the order the INSERTs take them. */
  private record Columns(
      UUID[] ids,
      String[] names,
      Long[] times,
      @Nullable String[] aggNames,
      @Nullable UUID[] aggIds,
      @Nullable Integer[] versions,
      Integer[] revisions,
      String[] data,
      String[] metadata) {

    /** Empty columns for {@code n} events. */
    static Columns ofSize(int n) {
      return new Columns(
          new UUID[n], new String[n], new Long[n], new String[n], new UUID[n], new Integer[n],
          new Integer[n], new String[n], new String[n]);
    }

    /** The columns of several batches, one after the other. */
    static Columns concat(List<Columns> parts) {
      int n = 0;
      for (Columns p : parts) {
        n += p.ids.length;
      }
      Columns k = ofSize(n);
      int at = 0;
      for (Columns p : parts) {
        int m = p.ids.length;
        System.arraycopy(p.ids, 0, k.ids, at, m);
        System.arraycopy(p.names, 0, k.names, at, m);
        System.arraycopy(p.times, 0, k.times, at, m);
        System.arraycopy(p.aggNames, 0, k.aggNames, at, m);
        System.arraycopy(p.aggIds, 0, k.aggIds, at, m);
        System.arraycopy(p.versions, 0, k.versions, at, m);
        System.arraycopy(p.revisions, 0, k.revisions, at, m);
        System.arraycopy(p.data, 0, k.data, at, m);
        System.arraycopy(p.metadata, 0, k.metadata, at, m);
        at += m;
      }
      return k;
    }

    /** Binds each column as one array, for the unnest of {@link Inserts#arrays}. */
    int bindArrays(Connection c, PreparedStatement ps, int first) throws SQLException {
      int p = first;
      ps.setArray(p++, c.createArrayOf("uuid", ids));
      ps.setArray(p++, c.createArrayOf("text", names));
      ps.setArray(p++, c.createArrayOf("int8", times));
      ps.setArray(p++, c.createArrayOf("text", aggNames));
      ps.setArray(p++, c.createArrayOf("uuid", aggIds));
      ps.setArray(p++, c.createArrayOf("int4", versions));
      ps.setArray(p++, c.createArrayOf("int4", revisions));
      ps.setArray(p++, c.createArrayOf("text", data));
      ps.setArray(p++, c.createArrayOf("text", metadata));
      return p;
    }

    /**
     * Binds event {@code i}'s columns as plain values (one VALUES row) from parameter {@code
     * first} on; returns the next parameter index.
     */
    int bindRow(PreparedStatement ps, int first, int i) throws SQLException {
      int p = first;
      ps.setObject(p++, ids[i]);
      ps.setString(p++, names[i]);
      ps.setLong(p++, times[i]);
      ps.setString(p++, aggNames[i]);
      if (aggIds[i] == null) {
        ps.setNull(p++, Types.OTHER);
        ps.setNull(p++, Types.INTEGER);
      } else {
        ps.setObject(p++, aggIds[i]);
        ps.setInt(p++, versions[i]);
      }
      ps.setInt(p++, revisions[i]);
      ps.setString(p++, data[i]);
      ps.setString(p++, metadata[i]);
      return p;
    }
  }

  /** Encodes the events' columns (payloads through the codec, metadata as JSON). */
  private Columns columns(List<? extends Event<?>> events) {
    int n = events.size();
    Columns k = Columns.ofSize(n);
    for (int i = 0; i < n; i++) {
      Event<?> e = events.get(i);
      k.ids[i] = e.id();
      k.names[i] = e.name();
      k.times[i] = nanos(e);
      AggregateRef ref = e.aggregateOrNull();
      if (ref != null) {
        k.aggNames[i] = ref.name();
        k.aggIds[i] = ref.id();
        k.versions[i] = ref.version();
      }
      k.revisions[i] = codec.registry().revision(e.name());
      byte[] data = codec.encode(e.name(), e.data());
      EventLimits.checkJsonPayload(e, data);
      k.data[i] = new String(data, StandardCharsets.UTF_8);
      k.metadata[i] = JsonMap.write(e.metadata().values());
    }
    return k;
  }

  /** Binds the first version of each aggregate in the batch, for the continuity guard. */
  private static int bindSpans(Connection c, PreparedStatement ps, int first, Map<String, Span> spans)
      throws SQLException {
    int n = spans.size();
    String[] names = new String[n];
    UUID[] ids = new UUID[n];
    Integer[] firsts = new Integer[n];
    int i = 0;
    for (Span s : spans.values()) {
      names[i] = s.name();
      ids[i] = s.id();
      firsts[i] = s.first();
      i++;
    }
    ps.setArray(first, c.createArrayOf("text", names));
    ps.setArray(first + 1, c.createArrayOf("uuid", ids));
    ps.setArray(first + 2, c.createArrayOf("int4", firsts));
    return first + 3;
  }

  /** After the guard refused a batch: the aggregate whose stored stream it does not continue. */
  private RuntimeException continuityFailure(Connection c, Map<String, Span> spans) throws SQLException {
    for (Span s : spans.values()) {
      int stored = storedVersion(c, s, s.first() - 1);
      if (stored != s.first() - 1) {
        return new InvalidBatchException(
            "the batch starts " + s.name() + " " + s.id() + " at version " + s.first()
                + ", but the stored stream ends at version " + stored);
      }
    }
    // The stream moved between the guard and this check (deleted, or rewritten): a lost race.
    Span s = spans.values().iterator().next();
    return new ConcurrencyException(s.name(), s.id(), s.first() - 1, -1);
  }

  /** The highest stored version of {@code span}'s aggregate up to {@code atMost}, or 0. */
  private int storedVersion(Connection c, Span span, int atMost) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT coalesce(max(aggregate_version), 0) FROM " + table
            + " WHERE aggregate_name = ? AND aggregate_id = ? AND aggregate_version <= ?")) {
      ps.setString(1, span.name());
      ps.setObject(2, span.id());
      ps.setInt(3, atMost);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /**
   * Turns a unique violation or a deadlock into the exception the contract names, diagnosed on
   * {@code c}, the connection the statement failed on (autocommit: the failed statement is rolled
   * back and the connection usable).
   */
  private RuntimeException conflict(
      Connection c, SQLException e, List<? extends Event<?>> events, Map<String, Span> spans) {
    String constraint = e instanceof PSQLException p && p.getServerErrorMessage() != null
        ? String.valueOf(p.getServerErrorMessage().getConstraint())
        : "";
    if (constraint.equals(Schema.indexName(options.eventsTable(), "id_key"))) {
      Set<UUID> existing = Set.of();
      try {
        existing = storedPositions(c, events).keySet();
      } catch (SQLException ignored) {
        // fall back to the first id below
      }
      for (Event<?> ev : events) {
        if (existing.contains(ev.id())) {
          return new DuplicateEventException(ev.id());
        }
      }
      return new DuplicateEventException(events.get(0).id());
    }
    // The (aggregate name, id, version) key: find the aggregate whose stream moved on.
    Span first = null;
    for (Span s : spans.values()) {
      int current;
      try {
        current = storedVersion(c, s, Integer.MAX_VALUE);
      } catch (SQLException unknown) {
        current = -1;
      }
      if (current >= s.first()) {
        return new ConcurrencyException(s.name(), s.id(), s.first() - 1, current);
      }
      if (first == null) {
        first = s;
      }
    }
    if (first == null) {
      return Pg.translate(e, "inserting events into " + table, server);
    }
    // The winner was deleted again, or rolled back after making us wait: still a lost race.
    return new ConcurrencyException(first.name(), first.id(), first.first() - 1, -1);
  }

  // ------------------------------------------------------------------------------------ reads

  @Override
  public Optional<Event<?>> find(UUID id) {
    Objects.requireNonNull(id, "id");
    ensureOpen();
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table + " WHERE id = ?")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(reader(null).read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw Pg.translate(e, "finding event " + id + " in " + table, server);
    }
  }

  /** The columns of a stored event ({@link #COLUMNS}), before decoding. */
  private record Row(
      long position, UUID id, String name, long timeNanos, @Nullable String aggregateName,
      @Nullable UUID aggregateId, int version, int revision, byte[] data, byte[] metadata) {}

  private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

  /**
   * A reader of events for one result: the columns, then (maybe on another thread than the JDBC
   * calls) the event. Text and JSON columns are taken as their UTF-8 bytes; event and aggregate
   * names, which repeat from row to row, become one shared string each ({@link Names}), so a
   * long result neither decodes nor hashes the same name again for every row.
   */
  private Pg.RowReader<Row, Event<?>> reader(AggregateSelector.@Nullable Exact only) {
    Names names = new Names();
    return new Pg.RowReader<>() {
      @Override
      public Row extract(ResultSet rs) throws SQLException {
        String aggName;
        UUID aggId;
        if (only != null) { // ONE_AGGREGATE_COLUMNS: every row is this aggregate's
          aggName = only.name();
          aggId = only.id();
        } else {
          byte[] nameBytes = rs.getBytes(5);
          aggName = nameBytes == null ? null : names.of(nameBytes);
          aggId = nameBytes == null ? null : rs.getObject(6, UUID.class);
        }
        return new Row(
            rs.getLong(1), rs.getObject(2, UUID.class), names.of(rs.getBytes(3)), rs.getLong(4),
            aggName, aggId, rs.getInt(7), rs.getInt(8), rs.getBytes(9), rs.getBytes(10));
      }

      /**
       * Every row that does not make an {@code Event} (a payload that does not decode, a JSON
       * {@code null}, a version below 1, a blank name, a negative position, broken metadata) fails
       * as an {@link EventDecodingException} naming the row's id and position.
       */
      @Override
      public Event<?> decode(Row r) {
        try {
          Object data = codec.decode(r.name(), r.revision(), r.data());
          if (data == null) {
            throw new IllegalArgumentException("the stored payload is JSON null");
          }
          Metadata metadata =
              Arrays.equals(r.metadata(), EMPTY_OBJECT)
                  ? Metadata.empty()
                  : new Metadata(JsonMap.read(new String(r.metadata(), StandardCharsets.UTF_8)));
          AggregateRef ref =
              r.aggregateName() == null ? null : new AggregateRef(r.aggregateName(), r.aggregateId(), r.version());
          return Event.of(r.id(), r.name(), Pg.fromNanos(r.timeNanos()), data, ref, metadata, r.position());
        } catch (RuntimeException e) {
          throw new EventDecodingException(r.id(), r.name(), r.position(), e);
        }
      }
    };
  }

  /**
   * The strings of the last few distinct names one reader met, by their UTF-8 bytes: a result
   * repeats a handful of event and aggregate names, so most rows find theirs here and share one
   * {@code String} (whose hash is then computed once) instead of decoding a new one. Confined to
   * the thread that extracts rows.
   */
  private static final class Names {
    private static final int SIZE = 8;
    private final byte[][] keys = new byte[SIZE][];
    private final String[] values = new String[SIZE];
    private int next;

    String of(byte[] utf8) {
      for (int i = 0; i < SIZE && keys[i] != null; i++) {
        if (Arrays.equals(keys[i], utf8)) {
          return values[i];
        }
      }
      String s = new String(utf8, StandardCharsets.UTF_8);
      keys[next] = utf8;
      values[next] = s;
      next = (next + 1) % SIZE;
      return s;
    }
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    Objects.requireNonNull(query, "query");
    ensureOpen();
    EventLimits.checkQuery(query); // PostgreSQL's text cannot hold what a NUL filter asks for
    List<Object> params = new ArrayList<>();
    AggregateSelector.@Nullable Exact only =
        isSingleAggregate(query) ? (AggregateSelector.Exact) query.aggregates().get(0) : null;
    String sql = "SELECT " + (only != null ? ONE_AGGREGATE_COLUMNS : COLUMNS) + " FROM " + table
        + where(query, params) + orderAndLimit(query, params);
    // The events of given aggregates (what a repository loads) are bounded by those aggregates'
    // length: one plain round trip. Anything else streams through a cursor.
    int fetchSize = isOneAggregatesHistory(query) ? 0 : options.fetchSize();
    return Pg.stream(ds, sql, params, fetchSize, reader(only), "events from " + table, server);
  }

  /** Whether the query reads the events of exactly one aggregate. */
  private static boolean isSingleAggregate(EventQuery q) {
    return q.aggregates().size() == 1 && q.aggregates().get(0) instanceof AggregateSelector.Exact;
  }

  /** Whether the query reads only the events of named aggregates (ids given, no wildcard). */
  private static boolean isOneAggregatesHistory(EventQuery query) {
    List<AggregateSelector> selectors = query.aggregates();
    if (selectors.isEmpty()) {
      return false;
    }
    for (AggregateSelector s : selectors) {
      if (!(s instanceof AggregateSelector.Exact)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the query follows the store as a whole (so it must not see past an in-flight writer),
   * rather than reading given events or aggregates, which must see every committed row at once.
   */
  static boolean followsStore(EventQuery q) {
    if (!q.ids().isEmpty() || !q.aggregateIds().isEmpty()) {
      return false;
    }
    List<AggregateSelector> selectors = q.aggregates();
    if (selectors.isEmpty()) {
      return true;
    }
    for (AggregateSelector s : selectors) {
      if (!(s instanceof AggregateSelector.Exact)) {
        return true;
      }
    }
    return false;
  }

  private static String where(EventQuery q, List<Object> p) {
    List<String> and = new ArrayList<>();
    if (followsStore(q)) {
      and.add(SAFE);
    }
    if (q.afterPosition() > 0) {
      and.add("position > ?");
      p.add(q.afterPosition());
    }
    if (!q.names().isEmpty()) {
      and.add("name = ANY(?::text[])");
      p.add(new TypedArray("text", q.names().toArray()));
    }
    if (!q.ids().isEmpty()) {
      and.add("id = ANY(?::uuid[])");
      p.add(new TypedArray("uuid", q.ids().toArray()));
    }
    if (!q.timeExact().isEmpty()) {
      and.add("time_ns = ANY(?::bigint[])");
      p.add(new TypedArray("int8", q.timeExact().stream().map(Pg::toNanos).toArray()));
    }
    if (!q.timeRanges().isEmpty()) {
      List<String> or = new ArrayList<>();
      for (Range<Instant> r : q.timeRanges()) {
        or.add("time_ns BETWEEN ? AND ?");
        p.add(clampNanos(r.from()));
        p.add(clampNanos(r.to()));
      }
      and.add("(" + String.join(" OR ", or) + ")");
    }
    q.timeMin().ifPresent(t -> {
      and.add("time_ns >= ?");
      p.add(clampNanos(t));
    });
    q.timeMax().ifPresent(t -> {
      and.add("time_ns <= ?");
      p.add(clampNanos(t));
    });
    q.timeBefore().ifPresent(t -> {
      and.add("time_ns < ?");
      p.add(clampNanos(t));
    });
    q.timeAfter().ifPresent(t -> {
      and.add("time_ns > ?");
      p.add(clampNanos(t));
    });
    if (!q.aggregateNames().isEmpty()) {
      and.add("aggregate_name = ANY(?::text[])");
      p.add(new TypedArray("text", q.aggregateNames().toArray()));
    }
    if (!q.aggregateIds().isEmpty()) {
      and.add("aggregate_id = ANY(?::uuid[])");
      p.add(new TypedArray("uuid", q.aggregateIds().toArray()));
    }
    if (!q.versionExact().isEmpty()) {
      and.add("aggregate_version = ANY(?::int[])");
      p.add(new TypedArray("int4", q.versionExact().toArray()));
    }
    if (!q.versionRanges().isEmpty()) {
      List<String> or = new ArrayList<>();
      for (Range<Integer> r : q.versionRanges()) {
        or.add("aggregate_version BETWEEN ? AND ?");
        p.add(r.from());
        p.add(r.to());
      }
      and.add("(" + String.join(" OR ", or) + ")");
    }
    q.versionMin().ifPresent(v -> {
      and.add("aggregate_version >= ?");
      p.add(v);
    });
    q.versionMax().ifPresent(v -> {
      and.add("aggregate_version <= ?");
      p.add(v);
    });
    if (!q.aggregates().isEmpty()) {
      List<String> exactNames = new ArrayList<>();
      List<UUID> exactIds = new ArrayList<>();
      List<String> anyNames = new ArrayList<>();
      for (AggregateSelector s : q.aggregates()) {
        switch (s) {
          case AggregateSelector.Exact x -> {
            exactNames.add(x.name());
            exactIds.add(x.id());
          }
          case AggregateSelector.AnyId a -> anyNames.add(a.name());
        }
      }
      List<String> or = new ArrayList<>();
      if (exactNames.size() == 1) {
        or.add("(aggregate_name = ? AND aggregate_id = ?)");
        p.add(exactNames.get(0));
        p.add(exactIds.get(0));
      } else if (!exactNames.isEmpty()) {
        or.add("(aggregate_name, aggregate_id) IN (SELECT * FROM unnest(?::text[], ?::uuid[]))");
        p.add(new TypedArray("text", exactNames.toArray()));
        p.add(new TypedArray("uuid", exactIds.toArray()));
      }
      if (!anyNames.isEmpty()) {
        or.add("aggregate_name = ANY(?::text[])");
        p.add(new TypedArray("text", anyNames.toArray()));
      }
      and.add("(" + String.join(" OR ", or) + ")");
    }
    return and.isEmpty() ? "" : " WHERE " + String.join(" AND ", and);
  }

  /** Times beyond the storable range compare like the range's ends. */
  private static long clampNanos(Instant t) {
    try {
      return Pg.toNanos(t);
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static String orderAndLimit(EventQuery q, List<Object> p) {
    List<String> keys = new ArrayList<>();
    boolean byPosition = false;
    // With an aggregate filter every row has aggregate columns, so the NULLS placement is moot and
    // is left out: then the sort can follow the (aggregate_name, aggregate_id, aggregate_version)
    // index instead of sorting on the server.
    boolean noNulls = q.filtersAggregates();
    boolean unique = false;
    for (SortOrder o : q.sort()) {
      String dir = o.descending() ? " DESC" : " ASC";
      // No aggregate sorts first ascending, last descending (as the in-memory store does).
      String nulls = noNulls ? "" : o.descending() ? " NULLS LAST" : " NULLS FIRST";
      unique |= o.field() == SortField.AGGREGATE_VERSION && isSingleAggregate(q);
      keys.add(
          switch (o.field()) {
            case POSITION -> "position" + dir;
            case TIME -> "time_ns" + dir;
            case NAME -> "name COLLATE \"C\"" + dir;
            case AGGREGATE_NAME -> "aggregate_name COLLATE \"C\"" + dir + nulls;
            case AGGREGATE_ID -> "aggregate_id" + dir + nulls;
            case AGGREGATE_VERSION -> "aggregate_version" + dir + nulls;
          });
      byPosition |= o.field() == SortField.POSITION;
    }
    if (!byPosition && !unique) {
      keys.add("position ASC"); // ties keep position order (one aggregate's versions have none)
    }
    String sql = " ORDER BY " + String.join(", ", keys);
    if (q.limit().isPresent()) {
      sql += " LIMIT ?";
      p.add(q.limit().getAsInt());
    }
    return sql;
  }

  /** An array parameter with its PostgreSQL element type. */
  record TypedArray(String type, Object[] values) {}

  static void bind(Connection c, PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object v = params.get(i);
      if (v instanceof TypedArray a) {
        Array arr = c.createArrayOf(a.type(), a.values());
        ps.setArray(i + 1, arr);
      } else {
        ps.setObject(i + 1, v);
      }
    }
  }

  // ------------------------------------------------------------------------------------ rest

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
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT position FROM " + table + " WHERE " + SAFE + " ORDER BY position DESC LIMIT 1")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw Pg.translate(e, "reading the last position of " + table, server);
    }
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
