package dev.fabula.nats.processes;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.nats.Nats;
import dev.fabula.nats.NatsOptions;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.projection.CatchUp;
import dev.fabula.projection.Projection;
import dev.fabula.projection.ProjectionService;
import dev.fabula.projection.Resettable;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.tck.TckData;
import io.nats.client.Connection;
import io.nats.client.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A "catalog" process: a read model of the beta events in a shared PostgreSQL store (per
 * aggregate, the events' numbers in the order applied), kept by a continuous schedule that the
 * events published on core NATS trigger, and registered with a {@link ProjectionService} under
 * {@code name}. Reports {@code ready}, {@code applied <count> <model>} after each event, {@code
 * reset} when the projection is reset (a rebuild trigger).
 *
 * <p>On {@code probe} it triggers its own schedule through the service (a round trip through its
 * subscription to trigger requests, so every request the server had sent it before is handled by
 * then), then waits for a job of the schedule that starts after that, and reports {@code probed}:
 * whatever earlier trigger requests made it do has been done.
 *
 * <p>With {@code mode=rebuild} it only reads the whole store into a fresh read model (the same
 * projection code), reports
 * {@code model <count> <model>} and ends: the rebuild from scratch to compare with.
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code pgUrl}, {@code schema}, {@code name}, {@code
 * mode} ({@code run} or {@code rebuild}).
 */
public final class CatalogProcess {
  private CatalogProcess() {}

  /**
   * The read model: per aggregate id, its beta events' numbers (their versions) in the order they
   * were applied, so an event applied out of order, twice or not at all shows. A running catalog
   * reports each event it applied; the rebuild applies quietly. Only the schedule's job thread
   * touches it (one job at a time), so it needs no lock.
   */
  static final class Catalog implements Projection, Resettable {
    private final Map<String, List<Long>> numbers = new TreeMap<>();
    private final boolean reporting;
    private int applied;

    Catalog(boolean reporting) {
      this.reporting = reporting;
    }

    @Override
    public void apply(Event<?> event) {
      if (event.data() instanceof TckData.Beta beta) {
        numbers.computeIfAbsent(event.aggregateOrNull().id().toString(), id -> new ArrayList<>()).add(beta.number());
      }
      applied++;
      if (reporting) {
        Child.report("applied " + applied + " " + this);
      }
    }

    @Override
    public void reset() {
      numbers.clear();
      applied = 0;
      Child.report("reset");
    }

    /** Per aggregate, its numbers as runs: {@code id=1-70} in order, {@code id=1-5,7,6,8-70} not. */
    @Override
    public String toString() {
      StringBuilder out = new StringBuilder();
      numbers.forEach((id, list) -> {
        out.append(out.isEmpty() ? "" : ";").append(id).append('=');
        for (int i = 0; i < list.size(); ) {
          int end = i; // the run list[i..end] counts up by one
          while (end + 1 < list.size() && list.get(end + 1) == list.get(end) + 1) {
            end++;
          }
          out.append(i == 0 ? "" : ",").append(list.get(i)).append(end > i ? "-" + list.get(end) : "");
          i = end + 1;
        }
      });
      return out.toString();
    }
  }

  /** The shared store, in {@code schema}. */
  static EventStore store(HikariDataSource dataSource, String schema) {
    return Postgres.eventStore(dataSource, Child.codec(), PostgresOptions.builder().schema(schema).build());
  }

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Child.watchInput();
    Map<String, String> args = Child.args(argv);
    try (HikariDataSource dataSource = Postgres.dataSource(args.get("pgUrl"));
        EventStore store = store(dataSource, args.get("schema"))) {
      if (args.get("mode").equals("rebuild")) {
        Catalog fresh = new Catalog(false);
        try (var events = store.query(EventQuery.builder().names(TckData.BETA).build())) {
          events.forEach(fresh::apply);
        }
        Child.report("model " + fresh.applied + " " + fresh);
        return;
      }
      Connection connection = io.nats.client.Nats.connect(Options.builder().server(args.get("url")).build());
      try (EventBus bus = Nats.eventBus(Child.codec(),
              NatsOptions.builder().connection(connection).subjectPrefix(args.get("prefix")).build());
          Schedule schedule = Schedule.continuously(bus, store, Set.of(TckData.BETA),
              ScheduleOptions.builder().debounce(Duration.ofMillis(10)).debounceCap(Duration.ofMillis(100))
                  .catchUp(CatchUp.BLOCKING).build());
          ProjectionService service = ProjectionService.create(bus)) {
        schedule.project(new Catalog(true));
        service.register(args.get("name"), schedule);
        Thread.ofPlatform().daemon().name("catalog-probe").start(() -> {
          try {
            if (!Child.awaitInput("probe")) {
              return;
            }
            service.trigger(args.get("name"));
            schedule.trigger().get(30, TimeUnit.SECONDS);
            Child.report("probed");
          } catch (Throwable e) {
            Child.reportError("probe", e);
          }
        });
        connection.flush(Duration.ofSeconds(10)); // the subscriptions are at the server
        Child.report("ready");
        Child.awaitStop();
      } finally {
        connection.close();
      }
    }
    Child.report("stopped");
  }
}
