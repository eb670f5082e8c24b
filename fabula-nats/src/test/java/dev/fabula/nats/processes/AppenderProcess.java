package dev.fabula.nats.processes;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.nats.Nats;
import dev.fabula.postgres.Postgres;
import dev.fabula.tck.TckData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A process that appends {@code count} beta events, spread over {@code aggregates} aggregates, to
 * the shared PostgreSQL store, which publishes each stored event on core NATS. Reports {@code
 * appended <n>} after each batch of ten and {@code done} at the end.
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code pgUrl}, {@code schema}, {@code count}, {@code
 * aggregates}.
 */
public final class AppenderProcess {
  private AppenderProcess() {}

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Child.watchInput();
    Map<String, String> args = Child.args(argv);
    int count = Child.intArg(args, "count");
    int aggregates = Child.intArg(args, "aggregates");
    List<UUID> ids = new ArrayList<>();
    for (int a = 0; a < aggregates; a++) {
      ids.add(UUID.randomUUID());
    }
    int[] versions = new int[aggregates];
    try (HikariDataSource dataSource = Postgres.dataSource(args.get("pgUrl"));
        EventBus bus = Nats.eventBus(Child.codec(), Child.natsOptions(args).build());
        EventStore store = EventStores.publishing(CatalogProcess.store(dataSource, args.get("schema")), bus)) {
      for (int n = 0; n < count; n += 10) {
        int a = (n / 10) % aggregates;
        List<Event<?>> batch = new ArrayList<>();
        for (int i = n; i < Math.min(count, n + 10); i++) {
          batch.add(TckData.beta(TckData.AGGREGATE, ids.get(a), ++versions[a]));
        }
        store.insert(batch);
        Child.report("appended " + (n + batch.size()));
      }
    }
    Child.report("done");
  }
}
