package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gap-safety mechanism of ADR 0019 made deterministic: a writer is held between taking its
 * sequence number and its insert (the store's test hook) while another writer commits at the next
 * number. A reader following the store must not see the later commit until the held one lands, or
 * until the hole has been open for the gap timeout and the reader closed it with a void; then the
 * held writer stores its batch at a new number, after the reader's cursor. Time is the store's
 * test clock, moved by the test: no test waits for the gap timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GapSafetyTest {
  private static final Duration GAP = Duration.ofHours(1);

  private final AtomicLong clock = new AtomicLong();

  /** A writer held before its first insert until released, on its own thread. */
  private static final class Held implements MongoEventStore.BeforeInsert {
    final AtomicBoolean armed = new AtomicBoolean(true);
    final CountDownLatch took = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<Long> seqs = new ArrayList<>();

    @Override
    public void accept(long seq) {
      synchronized (seqs) {
        seqs.add(seq);
      }
      if (armed.compareAndSet(true, false)) {
        took.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private MongoEventStore store(MongoOptions options, MongoEventStore.BeforeInsert hook) {
    return new MongoEventStore(TestMongo.client(), MongoEventStoreTest.codec(), options, hook, clock::get);
  }

  @Test
  void aReaderDoesNotPassAHeldWriterUntilItsBatchLands() throws Exception {
    MongoOptions options = TestMongo.freshOptions().gapTimeout(GAP).build();
    Held held = new Held();
    try (MongoEventStore store = store(options, held)) {
      Event<?> first = TckData.alpha("first");
      CompletableFuture<List<Event<?>>> slow = CompletableFuture.supplyAsync(() -> store.insert(List.of(first)));
      assertThat(held.took.await(20, TimeUnit.SECONDS)).isTrue();

      UUID agg = UUID.randomUUID();
      Event<?> late = store.insert(List.of(TckData.beta("order", agg, 1))).get(0);
      assertThat(EventLayout.seqOf(late.position())).isEqualTo(held.seqs.get(0) + 1);

      // Stored, but behind a number a writer holds: a reader following the store does not see it.
      assertThat(ids(store, EventQuery.all())).isEmpty();
      assertThat(ids(store, EventQuery.builder().names(TckData.BETA).build())).isEmpty();
      assertThat(store.lastPosition()).isZero();
      // Reads of given aggregates and ids see it at once (a writer reads back what it wrote).
      assertThat(ids(store, EventQuery.builder().aggregate("order", agg).build())).containsExactly(late.id());
      assertThat(store.find(late.id())).isPresent();

      held.release.countDown();
      Event<?> early = slow.get(20, TimeUnit.SECONDS).get(0);
      assertThat(early.position()).isLessThan(late.position());
      assertThat(ids(store, EventQuery.all())).containsExactly(first.id(), late.id());
      assertThat(store.lastPosition()).isEqualTo(late.position());
    }
  }

  @Test
  void aHoleOpenForTheGapTimeoutIsClosedAndTheHeldWriterLandsAfterTheReader() throws Exception {
    MongoOptions options = TestMongo.freshOptions().gapTimeout(GAP).build();
    Held held = new Held();
    try (MongoEventStore store = store(options, held)) {
      Event<?> first = TckData.alpha("held");
      CompletableFuture<List<Event<?>>> slow = CompletableFuture.supplyAsync(() -> store.insert(List.of(first)));
      assertThat(held.took.await(20, TimeUnit.SECONDS)).isTrue();
      Event<?> late = store.insert(List.of(TckData.alpha("late"))).get(0);

      List<UUID> seen = new ArrayList<>();
      long cursor = follow(store, 0, seen);
      assertThat(seen).as("the hole was seen now: not closed yet").isEmpty();
      clock.addAndGet(GAP.toNanos() - 1);
      cursor = follow(store, cursor, seen);
      assertThat(seen).as("open one nanosecond less than the gap timeout").isEmpty();
      clock.addAndGet(1);
      cursor = follow(store, cursor, seen);
      assertThat(seen).as("the hole was closed with a void").containsExactly(late.id());
      assertThat(cursor).isEqualTo(late.position());

      held.release.countDown();
      Event<?> landed = slow.get(20, TimeUnit.SECONDS).get(0);
      // Numbers taken: the held writer's, the late writer's, then the held writer's second.
      assertThat(held.seqs).as("the held writer took a new number").hasSize(3);
      assertThat(held.seqs.get(2)).isGreaterThan(held.seqs.get(1));
      assertThat(landed.position()).as("after the reader's cursor").isGreaterThan(cursor);
      follow(store, cursor, seen);
      assertThat(seen).containsExactly(late.id(), first.id());
      assertThat(store.find(first.id()).orElseThrow().position()).isEqualTo(landed.position());
      assertThat(ids(store, EventQuery.all())).containsExactly(late.id(), first.id());
    }
  }

  @Test
  void aCrashedWritersHoleClosesAfterTheGapTimeout() {
    MongoOptions options = TestMongo.freshOptions().gapTimeout(GAP).build();
    AtomicBoolean crash = new AtomicBoolean(true);
    MongoEventStore.BeforeInsert dies = seq -> {
      if (crash.compareAndSet(true, false)) {
        throw new IllegalStateException("the writer's process died after taking " + seq);
      }
    };
    try (MongoEventStore store = store(options, dies)) {
      assertThatThrownBy(() -> store.insert(List.of(TckData.alpha("lost")))).hasMessageContaining("died");
      Event<?> next = store.insert(List.of(TckData.alpha("next"))).get(0);
      assertThat(ids(store, EventQuery.all())).isEmpty();
      clock.addAndGet(GAP.toNanos());
      assertThat(ids(store, EventQuery.all())).containsExactly(next.id());
      assertThat(store.lastPosition()).isEqualTo(next.position());
    }
  }

  @Test
  void aFailedInsertClosesItsOwnNumberAtOnce() {
    MongoOptions options = TestMongo.freshOptions().gapTimeout(GAP).build();
    try (MongoEventStore store = store(options, MongoEventStore.BeforeInsert.NONE)) {
      UUID agg = UUID.randomUUID();
      store.insert(List.of(TckData.beta("order", agg, 1)));
      // Versions 1 (taken) and 2: the unique index refuses the batch after it took its number.
      assertThatThrownBy(() -> store.insert(List.of(TckData.beta("order", agg, 1), TckData.beta("order", agg, 2))))
          .isInstanceOf(dev.fabula.event.ConcurrencyException.class);
      Event<?> next = store.insert(List.of(TckData.alpha("next"))).get(0);
      // No clock move: the failed writer voided its own number, so nothing holds the reader back.
      assertThat(ids(store, EventQuery.all())).hasSize(2).endsWith(next.id());
    }
  }

  @Test
  void twoStoresOnOneCollectionTakeNumbersWithoutLosingOrRepeatingAnEvent() {
    MongoOptions options = TestMongo.freshOptions().gapTimeout(GAP).build();
    try (EventStore a = store(options, MongoEventStore.BeforeInsert.NONE);
        EventStore b = store(options, MongoEventStore.BeforeInsert.NONE)) {
      List<UUID> written = new ArrayList<>();
      long previous = 0;
      for (int i = 0; i < 10; i++) {
        // Each store's counter lags behind the other's inserts: it finds its number taken and moves on.
        Event<?> e = (i % 2 == 0 ? a : b).insert(List.of(TckData.alpha("e" + i))).get(0);
        assertThat(e.position()).isGreaterThan(previous);
        previous = e.position();
        written.add(e.id());
      }
      assertThat(ids(a, EventQuery.all())).containsExactlyElementsOf(written);
      assertThat(ids(b, EventQuery.all())).containsExactlyElementsOf(written);
    }
  }

  @Test
  void aColdReaderStartsFromThePersistedWatermark() {
    MongoOptions options = TestMongo.freshOptions().gapTimeout(GAP).build();
    try (EventStore writer = store(options, MongoEventStore.BeforeInsert.NONE)) {
      List<Event<?>> batch = new ArrayList<>();
      for (int i = 0; i < 1100; i++) {
        batch.add(TckData.alpha("w" + i));
      }
      for (Event<?> e : batch) {
        writer.insert(List.of(e));
      }
      assertThat(writer.lastPosition()).isEqualTo(EventLayout.position(1100, 0));
      var watermark = TestMongo.client().getDatabase(options.database())
          .getCollection(options.eventsCollection(), org.bson.BsonDocument.class)
          .find(com.mongodb.client.model.Filters.eq("_id", EventLayout.WATERMARK_ID)).first();
      assertThat(watermark).isNotNull();
      assertThat(watermark.getInt64(EventLayout.WATERMARK).getValue()).isEqualTo(1100);
      try (EventStore cold = store(options, MongoEventStore.BeforeInsert.NONE)) {
        assertThat(cold.lastPosition()).isEqualTo(EventLayout.position(1100, 0));
        assertThat(ids(cold, EventQuery.all())).hasSize(1100);
      }
    }
  }

  /** Reads after {@code cursor} as a projection does; returns the new cursor. */
  private static long follow(EventStore store, long cursor, List<UUID> seen) {
    long at = cursor;
    try (Stream<Event<?>> s = store.query(EventQuery.builder().afterPosition(cursor).build())) {
      for (Event<?> e : (Iterable<Event<?>>) s::iterator) {
        assertThat(e.position()).isGreaterThan(at);
        at = e.position();
        seen.add(e.id());
      }
    }
    return at;
  }

  private static List<UUID> ids(EventStore store, EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.map(Event::id).toList();
    }
  }
}
