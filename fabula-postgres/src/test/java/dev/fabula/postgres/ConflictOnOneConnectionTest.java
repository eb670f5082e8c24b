package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A refused insert is diagnosed on its own connection: with every other connection of the pool
 * held (as cursor reads hold all but one, see {@link ReadSlots}), a conflict still names the
 * version that is stored, and a duplicate the id that is taken, instead of waiting for a second
 * connection that cannot come.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConflictOnOneConnectionTest {
  private static final TestDatabase DB = TestDatabase.create();

  private HikariDataSource pool;
  private Connection held;

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @BeforeEach
  void twoConnectionsOneHeld() {
    pool = Postgres.dataSource(TestDatabase.url(), Duration.ofSeconds(1));
    pool.getHikariConfigMXBean().setMaximumPoolSize(2);
  }

  @AfterEach
  void close() throws Exception {
    if (held != null) {
      held.close();
    }
    pool.close();
  }

  @Test
  void aConflictReportsTheStoredVersionWithoutASecondConnection() throws Exception {
    try (EventStore store = Postgres.eventStore(pool, TestDatabase.codec(), DB.freshTables())) {
      UUID order = UUID.randomUUID();
      store.insert(List.of(TckData.beta("order", order, 1), TckData.beta("order", order, 2), TckData.beta("order", order, 3)));
      held = pool.getConnection(); // the one connection left is the insert's

      assertThatThrownBy(() -> store.insert(List.of(TckData.beta("order", order, 3))))
          .isInstanceOfSatisfying(ConcurrencyException.class, c -> {
            assertThat(c.aggregateId()).isEqualTo(order);
            assertThat(c.expectedVersion()).isEqualTo(2);
            assertThat(c.actualVersion()).isEqualTo(3);
          });
    }
  }

  @Test
  void aDuplicateIdIsNamedWithoutASecondConnection() throws Exception {
    try (EventStore store = Postgres.eventStore(pool, TestDatabase.codec(), DB.freshTables())) {
      Event<?> stored = store.insert(List.of(TckData.beta("order", UUID.randomUUID(), 1))).get(0);
      held = pool.getConnection();
      Event<?> fresh = TckData.beta("order", UUID.randomUUID(), 1);
      Event<?> again = TckData.beta("order", UUID.randomUUID(), 1).withId(stored.id());

      assertThatThrownBy(() -> store.insert(List.of(fresh, again)))
          .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(stored.id()));
    }
  }
}
