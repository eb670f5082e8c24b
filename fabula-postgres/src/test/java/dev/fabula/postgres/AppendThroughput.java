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
 * of 1 and 100 events (each batch one aggregate's next versions), with 1 and 8 writer threads, for
 * each way of allocating positions: the gap-safe default (advisory lock around the INSERT only),
 * the lock held until commit (serialised), and no lock (not gap-safe, the baseline). Plain
 * wall-clock timing after a warm-up, not JMH. Run with
 * {@code java -cp <test classpath> dev.fabula.postgres.AppendThroughput [seconds-per-case
 * [ALLOCATION,...]]}.
 */
final class AppendThroughput {
  private AppendThroughput() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    // Optionally the allocations to run, in order, comma-separated (a name may repeat).
    List<PgEventStore.Allocation> allocations = new ArrayList<>();
    for (String name : (args.length > 1 ? args[1] : "").split(",")) {
      if (!name.isBlank()) {
        allocations.add(PgEventStore.Allocation.valueOf(name.trim()));
      }
    }
    if (allocations.isEmpty()) {
      allocations.addAll(List.of(PgEventStore.Allocation.values()));
    }
    try (TestDatabase db = TestDatabase.create(16)) {
      System.out.printf("%-20s %6s %8s %14s%n", "allocation", "batch", "writers", "events/s");
      for (PgEventStore.Allocation allocation : allocations) {
        for (int batch : new int[] {1, 100}) {
          for (int writers : new int[] {1, 8}) {
            try (EventStore store = new PgEventStore(db.dataSource(), TestDatabase.codec(), db.freshTables(), allocation, () -> {})) {
              run(store, batch, writers, 0.5); // warm-up
              double rate = run(store, batch, writers, seconds);
              System.out.printf("%-20s %6d %8d %,14.0f%n", allocation, batch, writers, rate);
            }
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
