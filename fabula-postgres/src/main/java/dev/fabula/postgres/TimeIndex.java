package dev.fabula.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The timeline index of one events table (ADR 0026): a GiST index on {@code (time_ns, position)}
 * with the operator classes of the {@code btree_gist} extension. Asked for its rows in order of
 * {@code position <-> 0} (a nearest-neighbour scan), it yields the events whose time lies in a
 * range in position order while skipping the parts of the tree outside the range: the first page
 * of a time window deep in the store without reading the events before it or sorting the window.
 *
 * <p>It is made on first use: the first query it would serve calls {@link #wanted()}, which finds
 * or builds it on a thread and connection of its own ({@code CREATE EXTENSION IF NOT EXISTS
 * btree_gist}, then {@code CREATE INDEX CONCURRENTLY}, which blocks neither inserts nor reads).
 * Queries keep their plain SQL until the index is valid ({@code pg_index.indisvalid}); then
 * {@link #distance()} gives the operator they order by. When the index cannot be had (the
 * extension is not installed and may not be created, the schema policy is {@code VALIDATE} and
 * nobody made it, a build fails), this is logged once as a warning and queries keep their plain
 * SQL for the store's life. Makers in several processes take turns through an advisory lock, so
 * one builds and the others then find the index valid.
 *
 * <p>The index is used only while the table's times roughly follow its positions ({@code
 * pg_stats.correlation} of {@code time_ns} at least {@value #MIN_CORRELATION} in absolute value,
 * or not yet analyzed): that is where the plain plan fails (PostgreSQL assumes time and position
 * independent and walks the primary key past every earlier event), while with times unrelated to
 * positions the plain plan is right and the index's subtrees span every position, so its ordered
 * scan prunes little (measured: ADR 0026). The correlation is read when the index becomes valid
 * and again, in the background, by a query at most every {@link #RECHECK_NANOS} ns.
 */
final class TimeIndex {
  private static final System.Logger LOG = System.getLogger(TimeIndex.class.getName());
  /** The extension whose operator classes let GiST index {@code bigint}s. */
  static final String EXTENSION = "btree_gist";
  /** How long a maker waits between attempts to take its turn from another maker. */
  private static final long TURN_WAIT_MILLIS = 500;
  /** The least absolute correlation of time and table order at which the index is used. */
  static final double MIN_CORRELATION = 0.5;
  /** How often a query has the correlation read again: ten minutes. */
  private static final long RECHECK_NANOS = TimeUnit.MINUTES.toNanos(10);

  /** Where the index stands for this store. */
  enum State {
    /** Not to be used: {@link PostgresOptions#timelineIndex()} is off. */
    OFF,
    /** Not asked for yet. */
    IDLE,
    /** Being found or built in the background. */
    MAKING,
    /** Valid: queries order by {@link #distance()}. */
    READY,
    /** Not to be had in this store's life (logged once): queries keep their plain SQL. */
    UNAVAILABLE
  }

  private final DataSource ds;
  private final String schema;
  private final String name;
  private final String table;
  private final String server;
  private final boolean mayCreate;
  private final AtomicReference<State> state;
  private volatile @Nullable String distance;
  private volatile @Nullable Statement running;
  private volatile @Nullable Thread maker;
  private volatile boolean closed;
  /** Whether times follow positions closely enough for the index to pay (see the class comment). */
  private volatile boolean correlated = true;
  private volatile long correlationReadAt;
  private final AtomicBoolean rechecking = new AtomicBoolean();

  TimeIndex(DataSource ds, PostgresOptions options, String server) {
    this.ds = ds;
    this.schema = options.schema();
    this.name = indexName(options);
    this.table = options.schema() + "." + options.eventsTable();
    this.server = server;
    this.mayCreate = options.schemaPolicy() == PostgresOptions.SchemaPolicy.CREATE;
    this.state = new AtomicReference<>(options.timelineIndex() ? State.IDLE : State.OFF);
  }

  /** The index's name for the options' events table (without schema). */
  static String indexName(PostgresOptions options) {
    return Schema.indexName(options.eventsTable(), "time_position_gist");
  }

  /** Where the index stands; changes nothing. */
  State state() {
    return state.get();
  }

  /**
   * The distance operator to order by, spelled with the extension's schema ({@code
   * OPERATOR(public.<->)}), once the index is valid and while the table's times follow its
   * positions; null otherwise. Changes nothing.
   */
  @Nullable String distance() {
    return state.get() == State.READY && correlated ? distance : null;
  }

  /** Whether the last reading of the correlation said the index pays; changes nothing. */
  boolean correlated() {
    return correlated;
  }

  /**
   * Called by a query the index would serve: the first call starts finding or making it in the
   * background and returns at once; once it is valid, a call at most starts reading the
   * correlation again (in the background, when the last reading is {@link #RECHECK_NANOS} old).
   */
  void wanted() {
    State now = state.get();
    if (now == State.READY) {
      recheckWhenDue();
      return;
    }
    if (now != State.IDLE || !state.compareAndSet(State.IDLE, State.MAKING)) {
      return;
    }
    Thread t = Thread.ofPlatform().daemon().name("fabula-pg-time-index " + table).unstarted(this::make);
    maker = t;
    if (closed) { // closed meanwhile: close() may have missed the thread
      state.set(State.UNAVAILABLE);
      return;
    }
    t.start();
  }

  /**
   * Stops a build in progress (the server cancels it and drops what it made; the next store
   * builds again) and waits briefly for the maker to end.
   */
  void close() {
    closed = true;
    Statement s = running;
    if (s != null) {
      try {
        s.cancel();
      } catch (SQLException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "cancelling the timeline index build on " + table, e);
      }
    }
    Thread t = maker;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Reads the correlation again on a thread of its own when the last reading is old. */
  private void recheckWhenDue() {
    if (System.nanoTime() - correlationReadAt < RECHECK_NANOS || closed || !rechecking.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual().name("fabula-pg-time-index-check " + table).start(() -> {
      try (Connection c = ds.getConnection()) {
        readCorrelation(c);
      } catch (Throwable e) { // the last reading stands; the next query past the interval tries again
        correlationReadAt = System.nanoTime();
        LOG.log(System.Logger.Level.WARNING, "could not read the time correlation of " + table + " at " + server
            + " for the timeline index (ADR 0026); keeping the last reading", e);
      } finally {
        rechecking.set(false);
      }
    });
  }

  /** Reads {@code pg_stats.correlation} of the table's {@code time_ns}; logs a change of use. */
  private void readCorrelation(Connection c) throws SQLException {
    Double correlation = null;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT correlation FROM pg_stats WHERE schemaname = ? AND tablename = ? AND attname = 'time_ns'")) {
      ps.setString(1, schema);
      ps.setString(2, table.substring(schema.length() + 1));
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          double v = rs.getDouble(1);
          correlation = rs.wasNull() ? null : v;
        }
      }
    }
    boolean pays = correlation == null || Math.abs(correlation) >= MIN_CORRELATION;
    correlationReadAt = System.nanoTime();
    if (pays != correlated) {
      LOG.log(System.Logger.Level.INFO, String.format(Locale.ROOT, "the times of %s %s their positions"
          + " (correlation %.2f): time-bounded pages %s the timeline index", table,
          pays ? "follow" : "do not follow", correlation, pays ? "use" : "do not use"));
    }
    correlated = pays;
  }

  /** The maker's work: reports every failure (a warning; at close, a debug message). */
  private void make() {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(true); // CREATE INDEX CONCURRENTLY runs outside a transaction block
      String ext = extensionSchema(c);
      if (ext == null) {
        if (!mayCreate) {
          unavailable("the extension " + EXTENSION + " is not installed and the schema policy is VALIDATE", null);
          return;
        }
        try {
          execute(c, "CREATE EXTENSION IF NOT EXISTS " + EXTENSION);
        } catch (SQLException e) {
          unavailable("the extension " + EXTENSION + " could not be created (a trusted extension, which the"
              + " database's owner or a role with CREATE on it may create): " + e.getMessage(), null);
          return;
        }
        ext = extensionSchema(c);
        if (ext == null) {
          unavailable("the extension " + EXTENSION + " is not installed after CREATE EXTENSION", null);
          return;
        }
      }
      if (!takeTurn(c)) {
        return; // closed while waiting
      }
      try {
        if (!build(c, ext)) {
          return;
        }
      } finally {
        // A connection that broke has lost the lock with its session.
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT pg_advisory_unlock(hashtext('fabula.time_index'), hashtext(?))")) {
          ps.setString(1, table);
          ps.execute();
        } catch (SQLException e) {
          LOG.log(System.Logger.Level.DEBUG, "releasing the timeline index's turn on " + table, e);
        }
      }
      distance = "OPERATOR(" + ext + ".<->)";
      readCorrelation(c);
      state.set(State.READY);
    } catch (Throwable e) {
      if (closed) {
        state.set(State.UNAVAILABLE);
        LOG.log(System.Logger.Level.DEBUG, "the timeline index of " + table + " was not finished: the store closed", e);
      } else {
        unavailable("finding or making it failed", e);
      }
    } finally {
      running = null;
    }
  }

  /**
   * Finds the index valid, or builds it (dropping first an invalid one a failed build left);
   * false when it is not to be had.
   */
  private boolean build(Connection c, String ext) throws SQLException {
    Boolean valid = valid(c);
    if (Boolean.TRUE.equals(valid)) {
      LOG.log(System.Logger.Level.DEBUG, "the timeline index " + schema + "." + name + " is in place");
      return true;
    }
    if (!mayCreate) {
      unavailable("the index " + schema + "." + name + (valid == null ? " does not exist" : " is not valid")
          + " and the schema policy is VALIDATE (create it with: " + ddl(ext, false) + ")", null);
      return false;
    }
    if (valid != null) { // left by a build that failed or was cancelled: it would never become valid
      execute(c, "DROP INDEX CONCURRENTLY IF EXISTS " + schema + "." + name);
    }
    long started = System.nanoTime();
    LOG.log(System.Logger.Level.INFO, "building the timeline index " + schema + "." + name + " (CREATE INDEX"
        + " CONCURRENTLY: inserts and reads go on meanwhile)");
    execute(c, ddl(ext, true));
    if (!Boolean.TRUE.equals(valid(c))) {
      unavailable("the index " + schema + "." + name + " is not valid after it was built", null);
      return false;
    }
    LOG.log(System.Logger.Level.INFO, String.format(Locale.ROOT, "built the timeline index %s.%s in %.1f s",
        schema, name, (System.nanoTime() - started) / 1e9));
    return true;
  }

  /** The index's DDL, with the extension's operator classes named by their schema. */
  String ddl(String ext, boolean concurrently) {
    return "CREATE INDEX " + (concurrently ? "CONCURRENTLY " : "") + "IF NOT EXISTS " + name + " ON " + table
        + " USING gist (time_ns " + ext + ".gist_int8_ops, position " + ext + ".gist_int8_ops)";
  }

  /** Waits until no other maker of this index is at work; false when the store closed meanwhile. */
  private boolean takeTurn(Connection c) throws SQLException, InterruptedException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pg_try_advisory_lock(hashtext('fabula.time_index'), hashtext(?))")) {
      ps.setString(1, table);
      while (!closed) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            return true;
          }
        }
        Thread.sleep(TURN_WAIT_MILLIS);
      }
    }
    state.set(State.UNAVAILABLE);
    return false;
  }

  /** The schema of the installed extension, or null when it is not installed. */
  private static @Nullable String extensionSchema(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ?")) {
      ps.setString(1, EXTENSION);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? quoted(c, rs.getString(1)) : null;
      }
    }
  }

  /** {@code name} as an SQL identifier, quoted by the server where it needs to be. */
  private static String quoted(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(?)")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /** Whether the index is valid; null when it does not exist. */
  private @Nullable Boolean valid(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid"
            + " WHERE i.indrelid = to_regclass(?) AND ci.relname = ?")) {
      ps.setString(1, table);
      ps.setString(2, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBoolean(1) : null;
      }
    }
  }

  private void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      running = s;
      if (closed) {
        throw new SQLException("the store closed");
      }
      s.execute(sql);
    } finally {
      running = null;
    }
  }

  /** Marks the index not to be had in this store's life, saying why once. */
  private void unavailable(String why, @Nullable Throwable cause) {
    state.set(State.UNAVAILABLE);
    LOG.log(System.Logger.Level.WARNING, "queries by time range on " + table + " at " + server
        + " keep their plain SQL, without the timeline index (ADR 0026): " + why, cause);
  }
}
