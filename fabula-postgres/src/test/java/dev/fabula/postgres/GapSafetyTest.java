package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gap-safety mechanism made deterministic: a writer holds its transaction open after its
 * insert (so it owns a lower position but has not committed) while a second writer commits a
 * higher position. A reader following the store must see neither until the first commits, and
 * then both, in position order; aggregate reads still see the second writer's commit at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GapSafetyTest {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Test
  void aReaderNeverPassesAnInFlightLowerPosition() throws Exception {
    PostgresOptions options = DB.freshTables();
    var entered = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var armed = new AtomicBoolean();
    DataSource holding = holdingCommits(DB.dataSource(), armed, entered, release);
    try (EventStore fast = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        EventStore slow = Postgres.eventStore(holding, TestDatabase.codec(), options)) {
      armed.set(true); // from now on, the slow store's next commit waits
      Event<?> early = TckData.alpha("early");
      CompletableFuture<List<Event<?>>> slowInsert = CompletableFuture.supplyAsync(() -> slow.insert(List.of(early)));
      assertThat(entered.await(20, TimeUnit.SECONDS)).as("the slow writer reached its commit").isTrue();

      UUID agg = UUID.randomUUID();
      Event<?> late = fast.insert(List.of(TckData.beta("order", agg, 1))).get(0);

      // Committed, but behind an in-flight writer that holds a lower position: not yet visible to
      // a reader following the store, and not counted by lastPosition().
      assertThat(ids(fast, EventQuery.all())).doesNotContain(late.id()).doesNotContain(early.id());
      assertThat(ids(fast, EventQuery.builder().names(TckData.BETA).build())).isEmpty();
      assertThat(fast.lastPosition()).isLessThan(late.position());
      // Reads of one aggregate (what a repository does before writing) see it at once.
      assertThat(ids(fast, EventQuery.builder().aggregate("order", agg).build())).containsExactly(late.id());
      assertThat(fast.find(late.id())).isPresent();

      release.countDown();
      Event<?> storedEarly = slowInsert.get(20, TimeUnit.SECONDS).get(0);
      assertThat(storedEarly.position()).isLessThan(late.position());
      assertThat(ids(fast, EventQuery.all())).containsExactly(early.id(), late.id());
      assertThat(fast.lastPosition()).isEqualTo(late.position());
    } finally {
      release.countDown();
    }
  }

  private static List<UUID> ids(EventStore store, EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.map(Event::id).toList();
    }
  }

  /** A data source whose first commit after an insert waits for {@code release}. */
  private static DataSource holdingCommits(
      DataSource real, AtomicBoolean armed, CountDownLatch entered, CountDownLatch release) {
    return new DataSource() {
      @Override
      public Connection getConnection() throws SQLException {
        Connection c = real.getConnection();
        return (Connection) Proxy.newProxyInstance(
            GapSafetyTest.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("commit") && armed.getAndSet(false)) {
                entered.countDown();
                release.await(30, TimeUnit.SECONDS);
              }
              try {
                return method.invoke(c, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
      }

      @Override
      public Connection getConnection(String user, String password) {
        throw new UnsupportedOperationException();
      }

      @Override
      public PrintWriter getLogWriter() {
        return null;
      }

      @Override
      public void setLogWriter(PrintWriter out) {}

      @Override
      public void setLoginTimeout(int seconds) {}

      @Override
      public int getLoginTimeout() {
        return 0;
      }

      @Override
      public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
      }

      @Override
      public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
      }

      @Override
      public boolean isWrapperFor(Class<?> iface) {
        return false;
      }
    };
  }
}
