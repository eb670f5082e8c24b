package dev.fabula.postgres;

import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A recorded measurement, not a test: append throughput of the PostgreSQL event store for batches
 * of 1 and 100 events (each batch one aggregate's next versions), with 1 and 8 writer threads.
 * Plain wall-clock timing after a warm-up, not JMH. Run with {@code java -cp <test classpath>
 * dev.fabula.postgres.AppendThroughput [seconds-per-case [rounds [time-index]]]}.
 *
 * <p>With {@code time-index}, each case runs twice back to back on tables pre-filled with
 * {@value #PREFILL} rows: without and with the timeline index of ADR 0026 (built before the
 * measurement), and prints the ratio, the cost the index adds to appends.
 */
final class AppendThroughput {
  private static final int PREFILL = 300_000;

  private AppendThroughput() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    if (args.length > 2 && args[2].equals("time-index")) {
      timeIndex(seconds, rounds);
      return;
    }
    try (TestDatabase db = TestDatabase.create(16)) {
      System.out.printf("%6s %6s %8s %14s%n", "round", "batch", "writers", "events/s");
      for (int round = 1; round <= rounds; round++) {
        for (int batch : new int[] {1, 100}) {
          for (int writers : new int[] {1, 8}) {
            try (EventStore store = Postgres.eventStore(db.dataSource(), TestDatabase.codec(), db.freshTables())) {
              run(store, batch, writers, 0.5); // warm-up
              double rate = run(store, batch, writers, seconds);
              System.out.printf("%6d %6d %8d %,14.0f%n", round, batch, writers, rate);
            }
          }
        }
      }
    }
  }

  /** Each case without and with the timeline index, on pre-filled tables; the ratio of the rates. */
  private static void timeIndex(double seconds, int rounds) throws Exception {
    try (TestDatabase db = TestDatabase.create(16)) {
      db.exec("CREATE EXTENSION IF NOT EXISTS " + TimeIndex.EXTENSION);
      System.out.printf("%6s %6s %8s %14s %14s %8s%n", "round", "batch", "writers", "plain ev/s", "indexed ev/s",
          "ratio");
      for (int round = 1; round <= rounds; round++) {
        for (int batch : new int[] {1, 100}) {
          for (int writers : new int[] {1, 8}) {
            double[] rates = new double[2];
            for (int indexed = 0; indexed < 2; indexed++) {
              PostgresOptions o = db.freshTables().toBuilder().timelineIndex(false).build();
              try (EventStore store = Postgres.eventStore(db.dataSource(), TestDatabase.codec(), o)) {
                String table = o.schema() + "." + o.eventsTable();
                // Rows in the store's layout, times following positions, so every index has depth.
                db.exec("INSERT INTO " + table + " (id, name, time_ns, revision, data)"
                    + " SELECT gen_random_uuid(), 'prefill', 1700000000000000000 + g::bigint * 1000000, 1, '{}'"
                    + " FROM generate_series(1, " + PREFILL + ") g");
                if (indexed == 1) {
                  db.exec(new TimeIndex(db.dataSource(), o, "").ddl("public", false));
                }
                db.exec("ANALYZE " + table);
                run(store, batch, writers, 0.5); // warm-up
                rates[indexed] = run(store, batch, writers, seconds);
              }
            }
            System.out.printf("%6d %6d %8d %,14.0f %,14.0f %8.3f%n", round, batch, writers, rates[0], rates[1],
                rates[1] / rates[0]);
          }
        }
      }
    }
  }

  private static double run(EventStore store, int batch, int writers, double seconds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      long end = System.nanoTime() + (long) (seconds * 1e9);
      long start = System.nanoTime();
      List<Future<Long>> counts = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        counts.add(pool.submit(() -> {
          UUID agg = UUID.randomUUID();
          int version = 0;
          long written = 0;
          while (System.nanoTime() < end) {
            List<Event<?>> events = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
              events.add(TckData.beta("bench", agg, ++version));
            }
            store.insert(events);
            written += batch;
          }
          return written;
        }));
      }
      long total = 0;
      for (Future<Long> f : counts) {
        total += f.get();
      }
      return total * 1e9 / (System.nanoTime() - start);
    } finally {
      pool.shutdownNow();
    }
  }
}
