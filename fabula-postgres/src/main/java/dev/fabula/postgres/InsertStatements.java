package dev.fabula.postgres;

/**
 * Builds, once per store, the text of every INSERT an event batch can take: one per batch size up
 * to {@link #MAX_VALUES_ROWS} (plain parameters), one for larger batches (an array per column),
 * each with and without the continuity guard.
 */
final class InsertStatements {
  /** Batches up to this size are sent as VALUES rows, larger ones as arrays. */
  static final int MAX_VALUES_ROWS = 16;

  /** One event's columns as parameters (without the closing parenthesis). */
  private static final String VALUES_ROW =
      "(?::uuid, ?::text, ?::bigint, ?::text, ?::uuid, ?::int, ?::int, ?::text, ?::text";

  /** The INSERTs with the continuity guard, for batches that continue stored streams. */
  private final Shapes guarded;
  /**
   * The INSERTs without it, for batches whose every aggregate starts at version 1: nothing can
   * be stored below version 1, so there is no gap to guard against, and a version 1 already
   * taken is caught by the unique key. New aggregates skip the guard's subquery.
   */
  private final Shapes unguarded;

  /**
   * One set of INSERT statements, chosen by batch size.
   *
   * @param one a single event (the usual command): plain parameters
   * @param rows 2 to {@link #MAX_VALUES_ROWS} events, by size: a VALUES row per event
   * @param arrays larger batches: one array per column, unnested
   */
  private record Shapes(String one, String[] rows, String arrays) {
    String forSize(int n) {
      return n == 1 ? one : n <= MAX_VALUES_ROWS ? rows[n] : arrays;
    }
  }

  /** Builds the statements for {@code table} (the events table, with its schema). */
  InsertStatements(String table) {
    this.guarded = shapes(table, true);
    this.unguarded = shapes(table, false);
  }

  /**
   * The INSERT of {@code n} events. Its parameters: each event's nine columns (as {@link
   * EventColumns#bindRow} or {@link EventColumns#bindArrays} bind them); then, when guarded and
   * {@code n > 1}, three arrays (aggregate names, ids, first versions) for the guard. It returns
   * each stored event's id and position.
   *
   * @param guard whether the statement refuses a batch that does not continue its stored streams
   *     (needed unless every aggregate of the batch starts at version 1)
   */
  String sql(boolean guard, int n) {
    return (guard ? guarded : unguarded).forSize(n);
  }

  private static Shapes shapes(String table, boolean guard) {
    String into =
        "INSERT INTO " + table
            + " (position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data, metadata)"
            + " OVERRIDING SYSTEM VALUE SELECT " + Positions.FIRST_POSITION;
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
            + " WHERE b.f <> 1 AND " + previousVersion(table, "b.an", "b.aid", "b.f") + " IS NULL)";
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
                " WHERE u.av IS NULL OR u.av = 1 OR " + previousVersion(table, "u.an", "u.aid", "u.av") + " IS NOT NULL")
            + " RETURNING id, position";
    return new Shapes(one, rows, arrays);
  }

  /** Scalar subquery: the stored version just below {@code version} of one aggregate, or NULL. */
  private static String previousVersion(String table, String name, String id, String version) {
    return "(SELECT e.aggregate_version FROM " + table + " e WHERE e.aggregate_name = " + name
        + " AND e.aggregate_id = " + id + " AND e.aggregate_version = " + version + " - 1)";
  }
}
