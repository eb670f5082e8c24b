package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Unreachable servers, connections killed mid-insert and mid-query, undecodable stored events. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultTest {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Test
  void anUnreachableServerFailsAtOnceNamingHostAndPort() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // free once closed: nothing listens there
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/fabula?user=postgres";
    assertThatThrownBy(() -> Postgres.dataSource(url))
        .isInstanceOfSatisfying(PostgresConnectionException.class, e -> {
          assertThat(e.server()).isEqualTo("127.0.0.1:" + port);
          assertThat(e.getMessage()).contains("127.0.0.1:" + port);
        });
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aServerThatNeverAnswersFailsAfterTheConnectTimeout() throws Exception {
    ServerSocket silent = new ServerSocket(0);
    List<Socket> accepted = new ArrayList<>();
    try {
      Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            accepted.add(silent.accept()); // accept, then say nothing
          }
        } catch (IOException closed) {
          // test over
        }
      });
      String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/fabula?user=postgres";
      assertThatThrownBy(() -> Postgres.dataSource(url, Duration.ofSeconds(1)))
          .isInstanceOf(PostgresConnectionException.class)
          .hasMessageContaining("127.0.0.1:" + silent.getLocalPort());
    } finally {
      silent.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void aConnectionKilledMidInsertStoresNothingAndTheNextInsertWorks() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o);
        Connection blocker = DB.dataSource().getConnection()) {
      store.insert(List.of(TckData.alpha("before")));
      // An open transaction holding a row with the same id: the insert waits for its outcome
      // (the unique index) inside its own transaction.
      Event<?> lost = TckData.alpha("lost");
      blocker.setAutoCommit(false);
      try (PreparedStatement ps = blocker.prepareStatement("INSERT INTO " + o.schema() + "." + o.eventsTable()
          + " (id, name, time_ns, revision, data) VALUES (?, 'tck.alpha', 0, 1, '{}')")) {
        ps.setObject(1, lost.id());
        ps.executeUpdate();
      }
      CompletableFuture<List<Event<?>>> insert = CompletableFuture.supplyAsync(() -> store.insert(List.of(lost)));
      int pid = awaitBackend(blocker, "wait_event_type = 'Lock'", "INSERT INTO");
      terminate(blocker, pid);

      assertThatThrownBy(() -> insert.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(PostgresConnectionException.class)
          .hasMessageContaining("inserting 1 events");
      blocker.rollback();
      blocker.setAutoCommit(true);
      assertThat(store.find(lost.id())).isEmpty();
      Event<?> after = TckData.alpha("after");
      store.insert(List.of(after));
      assertThat(ids(store)).hasSize(2).contains(after.id()).doesNotContain(lost.id());
    }
  }

  @Test
  void aConnectionKilledMidQueryFailsTheStreamAndTheNextQueryWorks() throws Exception {
    PostgresOptions o = DB.freshTables().toBuilder().fetchSize(100).build();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o);
        Connection admin = DB.dataSource().getConnection()) {
      List<Event<?>> batch = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        batch.add(TckData.alpha("e" + i));
      }
      store.insert(batch);
      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        Iterator<Event<?>> it = s.iterator();
        it.next();
        int pid = awaitBackend(admin, "state = 'idle in transaction'", o.schema() + "." + o.eventsTable());
        terminate(admin, pid);
        assertThatThrownBy(() -> {
              while (it.hasNext()) {
                it.next();
              }
            })
            .isInstanceOf(PostgresConnectionException.class)
            .hasMessageContaining("reading events");
      }
      assertThat(ids(store)).hasSize(2000);
    }
  }

  @Test
  void anEventThatNoLongerDecodesIsReportedWithItsIdAndPosition() {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> stored = store.insert(List.of(TckData.alpha("fine"), TckData.alpha("soon broken"), TckData.alpha("fine too")));
      Event<?> bad = stored.get(1);
      DB.exec("UPDATE " + o.schema() + "." + o.eventsTable() + " SET data = '{\"txt\": 42}' WHERE id = '" + bad.id() + "'");

      assertThatThrownBy(() -> store.find(bad.id()))
          .isInstanceOfSatisfying(EventDecodingException.class, e -> {
            assertThat(e.eventId()).isEqualTo(bad.id());
            assertThat(e.position()).isEqualTo(bad.position());
            assertThat(e.getMessage()).contains(bad.id().toString()).contains("position " + bad.position());
          });
      assertThat(store.find(stored.get(0).id())).isPresent();
      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        assertThatThrownBy(s::toList).isInstanceOf(EventDecodingException.class);
      }
    }
  }

  @Test
  void everyRowThatMakesNoEventIsReportedWithItsIdAndPosition() {
    PostgresOptions o = DB.freshTables();
    String table = o.schema() + "." + o.eventsTable();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      Map<String, String> edits = new LinkedHashMap<>();
      edits.put("a JSON null payload", "data = 'null'");
      edits.put("aggregate version 0", "aggregate_version = 0");
      edits.put("a blank aggregate name", "aggregate_name = '  '");
      edits.put("a blank event name", "name = ' '");
      edits.put("JSON null metadata", "metadata = 'null'");
      edits.put("a negative position", null); // an identity column: the row is written anew
      for (Map.Entry<String, String> edit : edits.entrySet()) {
        Event<?> stored = store.insert(List.of(TckData.beta("order", java.util.UUID.randomUUID(), 1))).get(0);
        if (edit.getValue() != null) {
          DB.exec("UPDATE " + table + " SET " + edit.getValue() + " WHERE id = '" + stored.id() + "'");
        } else {
          DB.exec("WITH d AS (DELETE FROM " + table + " WHERE id = '" + stored.id() + "' RETURNING *)"
              + " INSERT INTO " + table + " (position, id, name, time_ns, aggregate_name, aggregate_id,"
              + " aggregate_version, revision, data, metadata) OVERRIDING SYSTEM VALUE SELECT -7, id, name,"
              + " time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data, metadata FROM d");
        }
        long position = edit.getKey().equals("a negative position") ? -7 : stored.position();
        assertThatThrownBy(() -> store.find(stored.id()))
            .as(edit.getKey())
            .isInstanceOfSatisfying(EventDecodingException.class, e -> {
              assertThat(e.eventId()).isEqualTo(stored.id());
              assertThat(e.position()).isEqualTo(position);
              assertThat(e.getMessage()).contains(stored.id().toString()).contains("position " + position);
            });
        try (Stream<Event<?>> s = store.query(EventQuery.builder().ids(stored.id()).build())) {
          assertThatThrownBy(s::toList).as(edit.getKey()).isInstanceOf(EventDecodingException.class);
        }
        DB.exec("DELETE FROM " + table + " WHERE id = '" + stored.id() + "'");
      }
    }
  }

  private static List<java.util.UUID> ids(EventStore store) {
    try (Stream<Event<?>> s = store.query(EventQuery.all())) {
      return s.map(Event::id).toList();
    }
  }

  /** Waits until another backend of this database matches {@code condition} and runs {@code sqlPart}. */
  static int awaitBackend(Connection c, String condition, String sqlPart) throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            + " AND " + condition + " AND position(? in query) > 0")) {
      ps.setString(1, sqlPart);
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return rs.getInt(1);
          }
        }
        Thread.onSpinWait();
        Thread.sleep(5);
      }
    }
    throw new AssertionError("no backend matched " + condition + " running " + sqlPart);
  }

  static void terminate(Connection c, int pid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
      ps.setInt(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("terminated backend " + pid).isTrue();
      }
    }
  }
}
