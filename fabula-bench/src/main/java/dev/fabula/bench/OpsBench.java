package dev.fabula.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.bench.domain.PriceChanged;
import dev.fabula.bench.domain.ProductCreated;
import dev.fabula.cli.Fabula;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.console.Console;
import dev.fabula.console.ConsoleOptions;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The operations figures of issue 23 on PostgreSQL, a measured harness rather than a JMH benchmark
 * (the figures are single long reads and first pages over a 10-million-event store, whose fill
 * alone takes minutes); {@code run.sh --ops} runs it.
 *
 * <ul>
 *   <li><b>Console timeline</b>: a started {@link Console} over the store, asked over HTTP for the
 *       first page of {@code api/events} (50 events) with no filter and with each filter; the first
 *       answer of each (cold: the console's code paths not yet compiled), then the median and p99
 *       of {@code reps} [50] more (warm), against the 200 ms.
 *   <li><b>Export</b>: {@code fabula export --store URL --schema S} run in process, writing to a
 *       standard output that only counts bytes, against a plain JDBC cursor read of the same table (every
 *       column read, in position order, 1,000 rows per round trip, as the store's cursor fetches),
 *       back to back in the same run; the ratio is export events/s over raw events/s (target 0.8).
 * </ul>
 *
 * <p>The store ({@code events} [10,000,000]) lives in schema {@code bench_ops_<events>}, filled once
 * with {@code INSERT ... SELECT} in the store's exact layout (the table made by the store itself,
 * its secondary indexes dropped during the fill and made again from their own definitions) and
 * kept for the next run when it still holds exactly that many events. One event in ten creates a
 * product ({@code ProductCreated}), the rest change a price ({@code PriceChanged}); the events of a
 * million products interleave (product {@code k} has positions {@code k+1, k+1+K, ...}); one
 * aggregate in a thousand is of the rare type {@code order}; events are 10 ms apart from
 * 2026-01-01. Before measuring, the harness checks the console reads the filled rows back decoded.
 *
 * <pre>
 * OpsBench [events=10000000] [reps=50] [rounds=1] [only=console|export]
 * </pre>
 */
public final class OpsBench {

    private static final String CREATED = "ProductCreated";
    private static final String PRICE_CHANGED = "PriceChanged";
    private static final long BASE_NANOS = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    private static final long SPACING_NANOS = 10_000_000L;
    private static final int CHUNK = 1_000_000;
    private static final String TARGET = "200 ms";

    private OpsBench() {
    }

    /**
     * Fills the store if needed, runs the measurements and prints the figures.
     *
     * @param args {@code key=value}: {@code events}, {@code reps}, {@code rounds}, {@code only}
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        long events = 10_000_000;
        int reps = 50;
        int rounds = 1;
        String only = "";
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "events" -> events = Long.parseLong(kv[1]);
                case "reps" -> reps = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "only" -> only = kv[1];
                default -> throw new IllegalArgumentException("unknown argument " + arg
                        + "; expected events=N, reps=N, rounds=N, only=console|export");
            }
        }
        if (events < 1_000 || reps < 1 || rounds < 1) {
            throw new IllegalArgumentException("events must be at least 1000, reps and rounds at least 1");
        }
        String schema = "bench_ops_" + events;
        JacksonCodec codec = JacksonCodec.create(registry());
        try (HikariDataSource dataSource = Postgres.dataSource(BenchDatabase.url());
                EventStore store = fill(dataSource, codec, schema, events)) {
            if (!only.equals("export")) {
                console(store, events, reps);
            }
            if (!only.equals("console")) {
                for (int round = 1; round <= rounds; round++) {
                    export(schema, events, round);
                }
            }
        }
    }

    static CodecRegistry registry() {
        return CodecRegistry.builder()
                .register(CREATED, ProductCreated.class)
                .register(PRICE_CHANGED, PriceChanged.class)
                .build();
    }

    // --- the store ---

    /** The store over {@code schema}, filled with {@code events} events unless it already holds them. */
    private static EventStore fill(HikariDataSource dataSource, JacksonCodec codec, String schema, long events)
            throws SQLException {
        String table = schema + ".fabula_events";
        if (count(table) == events) {
            System.out.printf(Locale.ROOT, "store: %s holds %,d events already (kept from an earlier run)%n",
                    table, events);
            analyze(table);
            return store(dataSource, codec, schema);
        }
        BenchDatabase.recreateSchema(schema);
        EventStore store = store(dataSource, codec, schema); // the store makes its own table
        long started = System.nanoTime();
        try (Connection c = BenchDatabase.connect(); Statement s = c.createStatement()) {
            // The secondary indexes, as the store made them; dropped for the fill, made again after.
            List<String> indexes = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '"
                    + schema + "' AND tablename = 'fabula_events' AND indexname NOT IN"
                    + " (SELECT conname FROM pg_constraint WHERE connamespace = '" + schema + "'::regnamespace)")) {
                while (rs.next()) {
                    indexes.add(rs.getString(2));
                    try (Statement drop = c.createStatement()) {
                        drop.execute("DROP INDEX " + schema + "." + rs.getString(1));
                    }
                }
            }
            long aggregates = Math.max(1, events / 10);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table
                    + " (position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision,"
                    + " data, metadata) OVERRIDING SYSTEM VALUE"
                    + " SELECT g, md5('event-' || g)::uuid,"
                    + " CASE WHEN (g - 1) / ? = 0 THEN '" + CREATED + "' ELSE '" + PRICE_CHANGED + "' END,"
                    + " ?::bigint + g * ?::bigint,"
                    + " CASE WHEN ((g - 1) % ?) % 1000 = 0 THEN 'order' ELSE 'product' END,"
                    + " md5('aggregate-' || ((g - 1) % ?))::uuid, ((g - 1) / ? + 1)::int, 1,"
                    + " CASE WHEN (g - 1) / ? = 0"
                    + " THEN jsonb_build_object('name', 'product-' || ((g - 1) % ?), 'price', 1000)"
                    + " ELSE jsonb_build_object('price', g % 10000) END,"
                    + " '{}'::jsonb FROM generate_series(?::bigint, ?::bigint) g")) {
                for (long from = 1; from <= events; from += CHUNK) {
                    long to = Math.min(events, from + CHUNK - 1);
                    int i = 1;
                    insert.setLong(i++, aggregates);
                    insert.setLong(i++, BASE_NANOS);
                    insert.setLong(i++, SPACING_NANOS);
                    insert.setLong(i++, aggregates);
                    insert.setLong(i++, aggregates);
                    insert.setLong(i++, aggregates);
                    insert.setLong(i++, aggregates);
                    insert.setLong(i++, aggregates);
                    insert.setLong(i++, from);
                    insert.setLong(i++, to);
                    insert.executeUpdate();
                    System.out.printf(Locale.ROOT, "store: filled %,d of %,d events (%.0f s)%n", to, events,
                            (System.nanoTime() - started) / 1e9);
                }
            }
            for (String index : indexes) {
                s.execute(index);
            }
            s.execute("ANALYZE " + table);
        } catch (SQLException | RuntimeException e) {
            store.close();
            throw e;
        }
        System.out.printf(Locale.ROOT, "store: %s filled with %,d events in %.0f s%n", table, events,
                (System.nanoTime() - started) / 1e9);
        return store;
    }

    private static EventStore store(HikariDataSource dataSource, JacksonCodec codec, String schema) {
        return Postgres.eventStore(dataSource, codec, PostgresOptions.builder().schema(schema).build());
    }

    /** The table's row count, or -1 when it does not exist. */
    private static long count(String table) throws SQLException {
        try (Connection c = BenchDatabase.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return -1;
            }
            try (ResultSet n = s.executeQuery("SELECT count(*) FROM " + table)) {
                n.next();
                return n.getLong(1);
            }
        }
    }

    private static void analyze(String table) {
        BenchDatabase.execute("ANALYZE " + table);
    }

    /** The id the fill gave aggregate {@code k}. */
    private static UUID aggregateId(long k) throws SQLException {
        try (Connection c = BenchDatabase.connect();
                PreparedStatement s = c.prepareStatement("SELECT md5('aggregate-' || ?)::uuid")) {
            s.setLong(1, k);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    // --- the console's timeline ---

    private static void console(EventStore store, long events, int reps) throws Exception {
        long aggregates = Math.max(1, events / 10);
        Instant middle = Instant.ofEpochSecond(0, BASE_NANOS + events / 2 * SPACING_NANOS);
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("no filter", "");
        cases.put("name=" + PRICE_CHANGED + " (90%)", "name=" + PRICE_CHANGED);
        cases.put("name=" + CREATED + " (first 10%)", "name=" + CREATED);
        cases.put("aggregateType=product (99.9%)", "aggregateType=product");
        cases.put("aggregateType=order (0.1%, spread)", "aggregateType=order");
        cases.put("aggregateId=<one product> (10 events)", "aggregateId=" + aggregateId(aggregates / 2 + 1));
        cases.put("from/to: 1 min in the middle", "from=" + encode(middle) + "&to=" + encode(middle.plusSeconds(60)));
        cases.put("from/to: 1 h in the middle", "from=" + encode(middle) + "&to=" + encode(middle.plusSeconds(3600)));
        cases.put("from: the middle to the end", "from=" + encode(middle));
        cases.put("after=<middle position>", "after=" + events / 2);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try (Console console = Console.start(ConsoleOptions.builder(store, registry()).port(0).build())) {
            URI api = console.uri().resolve("api/events");
            System.out.printf(Locale.ROOT, "console: first page (50 events) of GET %s over %,d events; target %s%n",
                    api, events, TARGET);
            check(http, api, events);
            System.out.printf(Locale.ROOT, "%-40s %10s %10s %10s %8s  %s%n", "filter", "cold ms", "median ms",
                    "p99 ms", "p99/200", "events on the page");
            for (Map.Entry<String, String> c : cases.entrySet()) {
                URI uri = URI.create(api + (c.getValue().isEmpty() ? "" : "?" + c.getValue()));
                Page cold = get(http, uri);
                List<Long> warm = new ArrayList<>();
                long budget = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                for (int i = 0; i < reps && (i < 5 || System.nanoTime() < budget); i++) {
                    warm.add(get(http, uri).nanos);
                }
                warm.sort(null);
                double p99 = percentile(warm, 0.99) / 1e6;
                System.out.printf(Locale.ROOT, "%-40s %10.1f %10.1f %10.1f %8.2f  %d (%d warm requests)%n",
                        c.getKey(), cold.nanos / 1e6, percentile(warm, 0.50) / 1e6, p99, p99 / 200, cold.events,
                        warm.size());
            }
        }
    }

    /** Fails unless the console reads the filled rows back as the store wrote them, decoded. */
    private static void check(HttpClient http, URI api, long events) throws Exception {
        Page page = get(http, URI.create(api + "?limit=3"));
        String body = page.body;
        for (String expected : new String[] {"\"position\":1,", "\"name\":\"" + CREATED + "\"",
                "\"payloadStatus\":\"decoded\"", "\"type\":\"order\"", "\"type\":\"product\"",
                "\"time\":\"2026-01-01T00:00:00.010Z\"", "\"payload\":{\"name\":\"product-0\",\"price\":1000}"}) {
            if (!body.contains(expected)) {
                throw new IllegalStateException("the console does not read the filled store as expected: no "
                        + expected + " in " + body);
            }
        }
        Page last = get(http, URI.create(api + "?after=" + (events - 1)));
        if (!last.body.contains("\"position\":" + events + ",") || !last.body.contains("\"name\":\"" + PRICE_CHANGED
                + "\"") || !last.body.contains("\"payloadStatus\":\"decoded\"") || !last.body.contains("\"next\":null")) {
            throw new IllegalStateException("the console does not read the store's last event as expected: "
                    + last.body);
        }
    }

    private record Page(long nanos, int events, String body) {}

    private static Page get(HttpClient http, URI uri) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build();
        long started = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long nanos = System.nanoTime() - started;
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        String body = response.body();
        int n = 0;
        for (int at = body.indexOf("\"position\":"); at >= 0; at = body.indexOf("\"position\":", at + 1)) {
            n++;
        }
        return new Page(nanos, n, body);
    }

    private static String encode(Instant instant) {
        return URLEncoder.encode(instant.toString(), StandardCharsets.UTF_8);
    }

    // --- export against a raw cursor read ---

    private static void export(String schema, long events, int round) throws SQLException {
        long started = System.nanoTime();
        long read = raw(schema + ".fabula_events");
        double rawSeconds = (System.nanoTime() - started) / 1e9;
        if (read != events) {
            throw new IllegalStateException("the raw read saw " + read + " of " + events + " events");
        }
        // As Fabula.main wraps standard output: the characters encoded as UTF-8 into the stream.
        Counting out = new Counting();
        StringWriter err = new StringWriter();
        started = System.nanoTime();
        int code = Fabula.run(new String[] {"export", "--store", BenchDatabase.url(), "--schema", schema},
                new PrintWriter(out, true), new PrintWriter(err));
        double exportSeconds = (System.nanoTime() - started) / 1e9;
        if (code != 0 || !err.toString().contains("exported " + events + " events")) {
            throw new IllegalStateException("export exited " + code + " without exporting " + events + " events: "
                    + err);
        }
        double rawRate = events / rawSeconds;
        double exportRate = events / exportSeconds;
        System.out.printf(Locale.ROOT, "export round %d: raw JDBC cursor %,.0f events/s (%.1f s), fabula export"
                        + " %,.0f events/s (%.1f s, %,d MB of JSON lines); export/raw %.2f (target 0.80)%n",
                round, rawRate, rawSeconds, exportRate, exportSeconds, out.bytes >> 20, exportRate / rawRate);
    }

    /** Reads every column of every row in position order through a cursor; returns the row count. */
    private static long raw(String table) throws SQLException {
        try (Connection c = BenchDatabase.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("SELECT position, id, name, time_ns, aggregate_name,"
                    + " aggregate_id, aggregate_version, revision, data, metadata FROM " + table
                    + " ORDER BY position")) {
                s.setFetchSize(1000);
                long rows = 0;
                long sink = 0;
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        sink += rs.getLong(1);
                        sink += rs.getObject(2, UUID.class).getLeastSignificantBits();
                        sink += rs.getString(3).length();
                        sink += rs.getLong(4);
                        String type = rs.getString(5);
                        sink += type == null ? 0 : type.length();
                        UUID id = rs.getObject(6, UUID.class);
                        sink += id == null ? 0 : id.getMostSignificantBits();
                        sink += rs.getInt(7);
                        sink += rs.getInt(8);
                        sink += rs.getString(9).length();
                        sink += rs.getString(10).length();
                        rows++;
                    }
                }
                c.commit();
                if (sink == 42) {
                    System.out.println("(checksum " + sink + ")"); // keeps the reads live
                }
                return rows;
            }
        }
    }

    /** Standard output that keeps nothing: it counts the bytes written. */
    private static final class Counting extends OutputStream {
        long bytes;

        @Override
        public void write(byte[] buffer, int offset, int length) {
            bytes += length;
        }

        @Override
        public void write(int b) {
            bytes++;
        }
    }

    private static double percentile(List<Long> sorted, double p) {
        int at = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, at)));
    }
}
