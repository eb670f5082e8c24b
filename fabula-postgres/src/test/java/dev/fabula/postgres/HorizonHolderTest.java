package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Postgres#horizonHolder} names a write transaction held open on another connection, and
 * forgets it once it commits. The server is shared with other tests, whose short write
 * transactions may be older for a moment: the test waits until its own is the oldest.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HorizonHolderTest {
  private static final TestDatabase DB = TestDatabase.create(4);

  @AfterAll
  static void close() {
    DB.close();
  }

  @Test
  void namesTheOldestOpenWriteTransactionUntilItCommits() throws Exception {
    DB.exec("CREATE TABLE " + DB.schema() + ".scratch (n int)");
    int pid;
    try (Connection held = DB.dataSource().getConnection()) {
      held.setAutoCommit(false);
      long xid;
      try (Statement s = held.createStatement()) {
        s.execute("INSERT INTO " + DB.schema() + ".scratch VALUES (1)");
        try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid(), pg_current_xact_id()::text::bigint")) {
          rs.next();
          pid = rs.getInt(1);
          xid = rs.getLong(2);
        }
      }
      HorizonHolder holder = waitFor(pid, true).orElseThrow();
      assertThat(holder.xid()).isEqualTo(xid);
      assertThat(holder.applicationName()).isEqualTo("fabula");
      assertThat(holder.state()).isEqualTo("idle in transaction");
      assertThat(holder.open()).isGreaterThanOrEqualTo(Duration.ZERO);
      assertThat(holder.describe()).startsWith("pid " + pid + " (xid " + xid + ", application 'fabula', idle in transaction), open for ");
      held.commit();
    }
    assertThat(waitFor(pid, false).map(HorizonHolder::pid)).isNotEqualTo(Optional.of(pid));
  }

  /** The holder once its pid is (or is not) {@code pid}, asking again while other tests' transactions come and go. */
  private static Optional<HorizonHolder> waitFor(int pid, boolean isHeld) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Optional<HorizonHolder> holder;
    do {
      holder = Postgres.horizonHolder(DB.dataSource());
      boolean held = holder.map(h -> h.pid() == pid).orElse(false);
      if (held == isHeld) {
        return holder;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("after 60 s the oldest open write transaction is still " + holder + ", expected "
        + (isHeld ? "" : "not ") + "pid " + pid);
  }

  @Test
  void failsWithTheServerNamedWhenItCannotConnect() throws SQLException {
    var ds = new org.postgresql.ds.PGSimpleDataSource();
    ds.setURL("jdbc:postgresql://127.0.0.1:1/none?user=nobody");
    ds.setConnectTimeout(2);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Postgres.horizonHolder(ds))
        .isInstanceOf(PostgresConnectionException.class)
        .hasMessageContaining("127.0.0.1:1");
  }

  @Test
  void aMissingDataSourceIsRefusedNamingIt() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Postgres.horizonHolder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dataSource");
  }
}
