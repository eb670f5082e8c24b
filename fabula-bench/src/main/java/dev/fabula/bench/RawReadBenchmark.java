package dev.fabula.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The raw JDBC read ceiling on PostgreSQL, the read-side counterpart of {@link RawJdbcBenchmark}:
 * plain pgjdbc reading rows shaped like an events table (the same table as the write ceiling)
 * and taking every column out of the result set, but decoding nothing (no JSON, no event
 * objects). No framework that reads and decodes the same rows can be faster on this machine.
 * <ul>
 *   <li>{@code readAggregate}: the {@code streamLength} [10,000] rows of one aggregate in version
 *       order, one plain query, what {@link RehydrateBenchmark#noSnapshot} loads; score loads/s;</li>
 *   <li>{@code readAll}: every row of a table of {@code events} [1,000,000], in position order
 *       through a cursor of 1,000 rows per fetch, what {@link ReplayBenchmark} reads; single
 *       shot, the table turns the time into rows/s.</li>
 * </ul>
 * The rows are written once per trial by one server-side {@code INSERT ... SELECT}.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class RawReadBenchmark {

    /** The PostgreSQL schema of the raw table. */
    public static final String SCHEMA = "bench_raw_read";

    private static final String COLUMNS = "position, id, name, time, aggregate_name, aggregate_id, version, data";

    /** Rows of the aggregate {@code readAggregate} loads. */
    @Param("10000")
    public int streamLength;

    /** Rows in the table (including the aggregate's). */
    @Param("1000000")
    public long events;

    private final UUID aggregate = UUID.randomUUID();
    private Connection connection;
    private PreparedStatement byAggregate;

    /**
     * Creates the table, writes the rows and connects.
     *
     * @throws SQLException on a database error
     */
    @Setup(Level.Trial)
    public void fill() throws SQLException {
        RawJdbcBenchmark.createEventsTable(SCHEMA);
        // The aggregate first, then products of 1,000 events each, as the other workloads write.
        BenchDatabase.execute("INSERT INTO " + SCHEMA + ".events"
                + " (id, name, time, aggregate_name, aggregate_id, version, data)"
                + " SELECT gen_random_uuid(), 'PriceChanged', now(), 'product', '" + aggregate + "'::uuid, v,"
                + " jsonb_build_object('price', v) FROM generate_series(1, " + streamLength + ") AS v");
        BenchDatabase.execute("INSERT INTO " + SCHEMA + ".events"
                + " (id, name, time, aggregate_name, aggregate_id, version, data)"
                + " SELECT gen_random_uuid(), 'PriceChanged', now(), 'product',"
                + " md5('p' || (n / 1000))::uuid, n % 1000 + 1, jsonb_build_object('price', n)"
                + " FROM generate_series(0, " + Math.max(0, events - streamLength - 1) + ") AS n");
        BenchDatabase.execute("VACUUM ANALYZE " + SCHEMA + ".events");
        connection = BenchDatabase.connect();
        byAggregate = connection.prepareStatement("SELECT " + COLUMNS + " FROM " + SCHEMA + ".events"
                + " WHERE aggregate_name = ? AND aggregate_id = ? ORDER BY version");
    }

    /**
     * Disconnects and drops the schema.
     *
     * @throws SQLException when closing fails
     */
    @TearDown(Level.Trial)
    public void drop() throws SQLException {
        byAggregate.close();
        connection.close();
        BenchDatabase.dropSchema(SCHEMA);
    }

    private static long consume(ResultSet rs, Blackhole sink) throws SQLException {
        long rows = 0;
        while (rs.next()) {
            sink.consume(rs.getLong(1));
            sink.consume(rs.getObject(2, UUID.class));
            sink.consume(rs.getString(3));
            sink.consume(rs.getObject(4));
            sink.consume(rs.getString(5));
            sink.consume(rs.getObject(6, UUID.class));
            sink.consume(rs.getLong(7));
            sink.consume(rs.getString(8));
            rows++;
        }
        return rows;
    }

    /**
     * Reads one aggregate's rows.
     *
     * @param sink keeps the column values live
     * @return the number of rows
     * @throws SQLException on a database error
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long readAggregate(Blackhole sink) throws SQLException {
        byAggregate.setString(1, "product");
        byAggregate.setObject(2, aggregate);
        try (ResultSet rs = byAggregate.executeQuery()) {
            return consume(rs, sink);
        }
    }

    /**
     * Reads the whole table through a cursor.
     *
     * @param sink keeps the column values live
     * @return the number of rows
     * @throws SQLException on a database error
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public long readAll(Blackhole sink) throws SQLException {
        connection.setAutoCommit(false);
        try (PreparedStatement all = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM " + SCHEMA + ".events ORDER BY position")) {
            all.setFetchSize(1000);
            try (ResultSet rs = all.executeQuery()) {
                long rows = consume(rs, sink);
                if (rows != events) {
                    throw new IllegalStateException("read " + rows + " of " + events + " rows");
                }
                return rows;
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
        }
    }
}
