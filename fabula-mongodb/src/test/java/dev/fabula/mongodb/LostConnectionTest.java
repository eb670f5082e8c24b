package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.OutcomeUnknownException;
import dev.fabula.proxy.CuttingProxy;
import dev.fabula.tck.TckData;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection breaks during an insert (EventStore's contract, ADR 0019): the store learns the
 * outcome by putting a void at the insert's sequence number. The client talks to the server
 * through a {@link CuttingProxy} that cuts the connection carrying the insert (found by a marker
 * in its payload): before it reaches the server (not stored: a connection error, retry safe), or
 * after the server answered (stored: the insert returns normally), or with the server out of
 * reach until the outcome timeout ({@link OutcomeUnknownException}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LostConnectionTest {
  private CuttingProxy proxy;
  private MongoClient viaProxy;

  @BeforeEach
  void connect() throws Exception {
    String url = TestMongo.url();
    String hostPort = url.replaceFirst("^mongodb(\\+srv)?://([^@/]*@)?", "").replaceFirst("[/?].*$", "");
    proxy = new CuttingProxy(hostPort);
    viaProxy = MongoDb.client(proxy.url(url), Duration.ofSeconds(1));
  }

  @AfterEach
  void disconnect() throws Exception {
    viaProxy.close();
    proxy.close();
  }

  private EventStore store(Duration outcomeTimeout) {
    return MongoDb.eventStore(viaProxy, MongoEventStoreTest.codec(),
        TestMongo.freshOptions().outcomeTimeout(outcomeTimeout).build());
  }

  @Test
  void aCutBeforeTheInsertReachedTheServerIsAConnectionErrorAndNothingIsStored() {
    try (EventStore store = store(Duration.ofSeconds(10))) {
      store.insert(List.of(TckData.alpha("warm-up")));
      String marker = "cut-" + UUID.randomUUID();
      Event<?> e = TckData.alpha(marker);
      proxy.arm(CuttingProxy.Cut.BEFORE_SENDING, marker);
      assertThatThrownBy(() -> store.insert(List.of(e)))
          .isInstanceOf(MongoConnectionException.class)
          .hasMessageContaining("not stored");
      assertThat(proxy.cutDone()).isTrue();
      assertThat(store.find(e.id())).isEmpty();
      // Retrying is safe, and its number was closed: readers are not held back.
      Event<?> retried = store.insert(List.of(e)).get(0);
      assertThat(ids(store)).endsWith(retried.id());
    }
  }

  @Test
  void aCutAfterTheServerAnsweredReturnsTheStoredBatch() {
    try (EventStore store = store(Duration.ofSeconds(10))) {
      store.insert(List.of(TckData.alpha("warm-up")));
      String marker = "cut-" + UUID.randomUUID();
      Event<?> e = TckData.alpha(marker);
      Event<?> f = TckData.alpha("second of the batch");
      proxy.arm(CuttingProxy.Cut.BEFORE_REPLY, marker);
      List<Event<?>> stored = store.insert(List.of(e, f));
      assertThat(proxy.cutDone()).as("the reply was cut").isTrue();
      assertThat(stored).extracting(Event::id).containsExactly(e.id(), f.id());
      assertThat(store.find(e.id()).orElseThrow().position()).isEqualTo(stored.get(0).position());
      assertThat(ids(store)).containsSubsequence(e.id(), f.id());
    }
  }

  @Test
  void aCutRightAfterSendingEndsInOneOfTheTwoKnownOutcomes() {
    try (EventStore store = store(Duration.ofSeconds(10))) {
      store.insert(List.of(TckData.alpha("warm-up")));
      String marker = "cut-" + UUID.randomUUID();
      Event<?> e = TckData.alpha(marker);
      proxy.arm(CuttingProxy.Cut.AFTER_SENDING, marker);
      boolean stored;
      try {
        store.insert(List.of(e));
        stored = true;
      } catch (MongoConnectionException notStored) {
        stored = false;
      }
      assertThat(proxy.cutDone()).isTrue();
      // Whichever the server ran first (the insert or the store's void), the answer matches it.
      assertThat(store.find(e.id()).isPresent()).isEqualTo(stored);
    }
  }

  @Test
  void aServerOutOfReachUntilTheOutcomeTimeoutIsAnUnknownOutcomeNamingTheEvents() {
    try (EventStore store = store(Duration.ofMillis(500))) {
      store.insert(List.of(TckData.alpha("warm-up")));
      String marker = "cut-" + UUID.randomUUID();
      Event<?> e = TckData.alpha(marker);
      proxy.blackoutAfterCut();
      proxy.arm(CuttingProxy.Cut.BEFORE_REPLY, marker);
      assertThatThrownBy(() -> store.insert(List.of(e)))
          .isInstanceOfSatisfying(OutcomeUnknownException.class,
              x -> assertThat(x.eventIds()).containsExactly(e.id()));
      proxy.restore();
      // It was stored (the server answered before the cut): a retry finds it already there.
      assertThat(store.find(e.id())).isPresent();
      assertThatThrownBy(() -> store.insert(List.of(e))).isInstanceOf(dev.fabula.event.DuplicateEventException.class);
    }
  }

  private static List<UUID> ids(EventStore store) {
    try (var s = store.query(EventQuery.all())) {
      return s.map(Event::id).toList();
    }
  }
}
