package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.EventBus;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.command.CommandBusConformance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;

/**
 * The kit's command bus suite over the PostgreSQL event bus: each command bus has an event bus of
 * its own on one bus table per test, as processes sharing a database would.
 *
 * <p>Each protocol message is a transaction here, and one case has 2,000 commands (about 10,000
 * messages) in flight at once: on a busy two-core machine the last of them waited more than the
 * kit's default 20 s to be assigned, so the suite waits longer (within its 60 s per test).
 */
class PgCommandBusTest extends CommandBusConformance {
  private static final TestDatabase DB = TestDatabase.create();
  private static final Codec CODEC =
      JacksonCodec.create(registerCommands(CodecRegistry.builder()).build());

  PgCommandBusTest() {
    super(Duration.ofSeconds(45));
  }

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Override
  protected Transport openTransport() {
    PostgresOptions tables = DB.freshTables();
    List<EventBus> eventBuses = new CopyOnWriteArrayList<>();
    return new Transport() {
      @Override
      public CommandBus newBus(CommandBusOptions options) {
        EventBus events = Postgres.eventBus(DB.dataSource(), CODEC, tables);
        eventBuses.add(events);
        return CommandBuses.distributed(events, CODEC, options);
      }

      @Override
      public void close() {
        eventBuses.forEach(EventBus::close);
      }
    };
  }
}
