package dev.fabula.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload 7: the raw JDBC ceiling on PostgreSQL, the rate no framework can beat on this
 * machine. Plain pgjdbc (same URL, same driver settings as the frameworks), one connection per
 * thread, one reused prepared statement, auto-commit off, and rows shaped like an events
 * table: id uuid, name text, time, aggregate name/id/version, jsonb data, bigserial global
 * position, unique (aggregate_name, aggregate_id, version). The table lives in schema
 * {@value #SCHEMA} and is emptied every iteration. Score: rows/s.
 * <ul>
 *   <li>{@code oneRowPerTx}: one insert, one commit;</li>
 *   <li>{@code batch10}, {@code batch1000}: a JDBC batch of 10 or 1,000 rows of one new
 *       aggregate (versions 1..n), one commit;</li>
 *   <li>{@code oneRowPerTx8}: as {@code oneRowPerTx} from 8 threads on 8 connections;</li>
 *   <li>{@code readThenInsert}, {@code readThenInsert8}: what a command costs when its aggregate
 *       is not cached: read every row of one of {@value #AGGREGATES} aggregates (round robin,
 *       every column taken out of the result set), then insert its next version and commit. The
 *       ceiling for the uncached one-event commands, which must read before they write.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class RawJdbcBenchmark {

    /** The PostgreSQL schema of the raw table. */
    public static final String SCHEMA = "bench_raw";

    private static final String INSERT = "INSERT INTO " + SCHEMA + ".events"
            + " (id, name, time, aggregate_name, aggregate_id, version, data)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)";

    private static final String SELECT = "SELECT position, id, name, time, aggregate_name, aggregate_id,"
            + " version, data::text FROM " + SCHEMA + ".events"
            + " WHERE aggregate_name = ? AND aggregate_id = ? ORDER BY version";

    /** Aggregates each thread of {@code readThenInsert} cycles through, as the append workload does. */
    static final int AGGREGATES = 1000;

    /** Creates the schema and the table. */
    @Setup(Level.Trial)
    public void createTable() {
        createEventsTable(SCHEMA);
    }

    /**
     * (Re)creates {@code schema} with the raw events-shaped table {@code schema.events}, which the
     * raw write and read ceilings share.
     *
     * @param schema the schema to create
     */
    static void createEventsTable(String schema) {
        BenchDatabase.recreateSchema(schema);
        BenchDatabase.execute("CREATE TABLE " + schema + ".events ("
                + " position bigserial PRIMARY KEY,"
                + " id uuid NOT NULL,"
                + " name text NOT NULL,"
                + " time timestamptz NOT NULL,"
                + " aggregate_name text NOT NULL,"
                + " aggregate_id uuid NOT NULL,"
                + " version bigint NOT NULL,"
                + " data jsonb NOT NULL,"
                + " UNIQUE (aggregate_name, aggregate_id, version))");
    }

    /** Empties the table before each iteration. */
    @Setup(Level.Iteration)
    public void truncate() {
        BenchDatabase.execute("TRUNCATE " + SCHEMA + ".events RESTART IDENTITY");
    }

    /** Drops the schema. */
    @TearDown(Level.Trial)
    public void dropTable() {
        BenchDatabase.dropSchema(SCHEMA);
    }

    /** One thread's connection and statement. */
    @State(Scope.Thread)
    public static class Session {
        private Connection connection;
        private PreparedStatement insert;
        private PreparedStatement select;
        private UUID aggregate = UUID.randomUUID();
        private long version;
        private final UUID[] aggregates = new UUID[AGGREGATES];
        private final long[] versions = new long[AGGREGATES];
        private int next;

        /**
         * Connects, once the table exists.
         *
         * @param table the benchmark state that created the table
         * @throws SQLException when the database cannot be reached
         */
        @Setup(Level.Trial)
        public void connect(RawJdbcBenchmark table) throws SQLException {
            connection = BenchDatabase.connect();
            connection.setAutoCommit(false);
            insert = connection.prepareStatement(INSERT);
            select = connection.prepareStatement(SELECT);
        }

        /**
         * Starts a new aggregate after the table was emptied.
         *
         * @param table the benchmark state that emptied the table
         */
        @Setup(Level.Iteration)
        public void newAggregate(RawJdbcBenchmark table) {
            aggregate = UUID.randomUUID();
            version = 0;
            for (int i = 0; i < AGGREGATES; i++) {
                aggregates[i] = UUID.randomUUID();
                versions[i] = 0;
            }
        }

        /**
         * Closes the connection.
         *
         * @throws SQLException when closing fails
         */
        @TearDown(Level.Trial)
        public void disconnect() throws SQLException {
            insert.close();
            select.close();
            connection.close();
        }

        private void bind(String name, UUID aggregateId, long v, String data) throws SQLException {
            insert.setObject(1, UUID.randomUUID());
            insert.setString(2, name);
            insert.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
            insert.setString(4, "product");
            insert.setObject(5, aggregateId);
            insert.setLong(6, v);
            insert.setString(7, data);
        }

        void oneRow() throws SQLException {
            long v = ++version;
            bind("PriceChanged", aggregate, v, "{\"price\":" + v + "}");
            insert.executeUpdate();
            connection.commit();
        }

        long readThenInsert() throws SQLException {
            int i = next;
            next = (next + 1) % AGGREGATES;
            select.setString(1, "product");
            select.setObject(2, aggregates[i]);
            long read = 0;
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    read += rows.getLong(1) + rows.getLong(7);
                    rows.getObject(2);
                    rows.getString(3);
                    rows.getObject(4, OffsetDateTime.class);
                    rows.getString(5);
                    rows.getObject(6);
                    rows.getString(8);
                }
            }
            long v = ++versions[i];
            bind("PriceChanged", aggregates[i], v, "{\"price\":" + v + "}");
            insert.executeUpdate();
            connection.commit();
            return read;
        }

        void batch(int rows) throws SQLException {
            UUID id = UUID.randomUUID();
            bind("ProductCreated", id, 1, "{\"name\":\"product\",\"price\":100}");
            insert.addBatch();
            for (int v = 2; v <= rows; v++) {
                bind("PriceChanged", id, v, "{\"price\":" + v + "}");
                insert.addBatch();
            }
            insert.executeBatch();
            connection.commit();
        }
    }

    /**
     * One row, one transaction.
     *
     * @param session this thread's connection
     * @throws SQLException on a database error
     */
    @Benchmark
    public void oneRowPerTx(Session session) throws SQLException {
        session.oneRow();
    }

    /**
     * 10 rows, one transaction.
     *
     * @param session this thread's connection
     * @throws SQLException on a database error
     */
    @Benchmark
    @OperationsPerInvocation(10)
    public void batch10(Session session) throws SQLException {
        session.batch(10);
    }

    /**
     * 1,000 rows, one transaction.
     *
     * @param session this thread's connection
     * @throws SQLException on a database error
     */
    @Benchmark
    @OperationsPerInvocation(1000)
    public void batch1000(Session session) throws SQLException {
        session.batch(1000);
    }

    /**
     * One row per transaction from 8 threads on 8 connections.
     *
     * @param session this thread's connection
     * @throws SQLException on a database error
     */
    @Benchmark
    @Threads(8)
    public void oneRowPerTx8(Session session) throws SQLException {
        session.oneRow();
    }

    /**
     * Read one aggregate's rows, insert its next row, commit.
     *
     * @param session this thread's connection
     * @return what was read, so that the reads are not optimised away
     * @throws SQLException on a database error
     */
    @Benchmark
    public long readThenInsert(Session session) throws SQLException {
        return session.readThenInsert();
    }

    /**
     * As {@link #readThenInsert} from 8 threads on 8 connections.
     *
     * @param session this thread's connection
     * @return what was read
     * @throws SQLException on a database error
     */
    @Benchmark
    @Threads(8)
    public long readThenInsert8(Session session) throws SQLException {
        return session.readThenInsert();
    }
}
