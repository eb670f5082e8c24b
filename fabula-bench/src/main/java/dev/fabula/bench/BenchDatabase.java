package dev.fabula.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL database the benchmarks write to, and the schema housekeeping every side
 * shares. Each side owns one schema ({@code bench_axon}, {@code bench_raw},
 * {@code bench_fabula}) and drops it at the start and the end of every trial.
 */
public final class BenchDatabase {

    /** Environment variable holding the JDBC URL. */
    public static final String URL_ENV = "FABULA_BENCH_POSTGRES_URL";

    /** URL used when {@link #URL_ENV} is not set. */
    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/fabula_bench?user=postgres";

    private BenchDatabase() {
    }

    /**
     * The JDBC URL of the benchmark database.
     *
     * @return {@code $FABULA_BENCH_POSTGRES_URL}, or {@link #DEFAULT_URL}
     */
    public static String url() {
        String url = System.getenv(URL_ENV);
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }

    /**
     * Opens a plain connection (auto-commit on) to the benchmark database.
     *
     * @return a new connection; the caller closes it
     * @throws SQLException when the database cannot be reached
     */
    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(url());
    }

    /**
     * Drops the schema with everything in it and creates it again, empty.
     *
     * @param schema a schema name owned by one side, e.g. {@code bench_axon}
     */
    public static void recreateSchema(String schema) {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema);
    }

    /**
     * Drops the schema with everything in it.
     *
     * @param schema a schema name owned by one side
     */
    public static void dropSchema(String schema) {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    /**
     * Runs statements one by one on a fresh auto-commit connection.
     *
     * @param sql the statements
     */
    public static void execute(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + url() + ": " + e.getMessage(), e);
        }
    }
}
