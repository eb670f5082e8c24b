package dev.fabula.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.proxy.ForwardingEventStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The overview answers at once while a long first count runs in the background, and tells the
 * truth about it: incomplete until the count reaches the head, a failed count shown, not dropped.
 */
class OverviewTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /**
   * A store whose reads off the test's thread (the background count's) wait at a gate until the
   * test opens it, and may be told to fail.
   */
  private static final class GatedStore extends ForwardingEventStore {
    final Thread test = Thread.currentThread();
    final CountDownLatch gate = new CountDownLatch(1);
    volatile boolean fail;
    volatile Error error;

    GatedStore(EventStore delegate) {
      super(delegate);
    }

    @Override
    public Stream<Event<?>> query(EventQuery query) {
      if (Thread.currentThread() == test) {
        return super.query(query);
      }
      try {
        if (!gate.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
          throw new AssertionError("the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      if (fail) {
        throw new IllegalStateException("store unreachable");
      }
      if (error != null) {
        throw error;
      }
      return super.query(query);
    }
  }

  private static EventStore storeWith(int events) {
    EventStore store = InMemory.eventStore();
    List<Event<?>> batch = new ArrayList<>();
    for (int i = 0; i < events; i++) {
      batch.add(Event.create(i % 2 == 0 ? "even" : "odd", "e" + i));
    }
    store.insert(batch);
    return store;
  }

  @Test
  void aLongFirstCountRunsInTheBackgroundAndTheAnswerSaysItIsIncomplete() {
    var store = new GatedStore(storeWith(40));
    try (var overview = new Overview(store, null, 10)) {
      ObjectNode first = overview.answer(); // 10 counted here; the rest waits at the gate
      assertThat(first.get("complete").asBoolean()).isFalse();
      assertThat(first.get("eventCount").asLong()).isEqualTo(10);
      assertThat(first.at("/safeHorizon/position").asLong()).isEqualTo(40);

      store.gate.countDown();
      ObjectNode done = awaitComplete(overview);
      assertThat(done.get("eventCount").asLong()).isEqualTo(40);
      assertThat(done.get("lastPosition").asLong()).isEqualTo(40);
      assertThat(done.has("countingError")).isFalse();
    }
  }

  @Test
  void aShortCountIsDoneOnTheRequestAndTheAnswerIsComplete() {
    EventStore store = storeWith(10);
    try (var overview = new Overview(store, null, 20)) {
      ObjectNode o = overview.answer();
      assertThat(o.get("complete").asBoolean()).isTrue();
      assertThat(o.get("eventCount").asLong()).isEqualTo(10);

      store.insert(List.of(Event.create("even", "late")));
      ObjectNode after = overview.answer();
      assertThat(after.get("complete").asBoolean()).isTrue();
      assertThat(after.get("eventCount").asLong()).as("counted incrementally").isEqualTo(11);
    }
  }

  @Test
  void aFailedBackgroundCountIsShownAndTheNextRequestCountsAgain() {
    var store = new GatedStore(storeWith(30));
    store.fail = true;
    store.gate.countDown();
    try (var overview = new Overview(store, null, 10)) {
      overview.answer();
      ObjectNode failed = awaitError(overview);
      assertThat(failed.get("countingError").asText()).contains("store unreachable");
      assertThat(failed.get("complete").asBoolean()).isFalse();

      store.fail = false;
      ObjectNode done = awaitComplete(overview);
      assertThat(done.get("eventCount").asLong()).isEqualTo(30);
      assertThat(done.has("countingError")).as("cleared by the count that succeeded").isFalse();
    }
  }

  @Test
  void anErrorInTheBackgroundCountIsShownNotSwallowed() {
    var store = new GatedStore(storeWith(30));
    store.error = new StackOverflowError("too deep");
    store.gate.countDown();
    try (var overview = new Overview(store, null, 10)) {
      overview.answer();
      ObjectNode failed = awaitError(overview);
      assertThat(failed.get("countingError").asText()).isEqualTo("StackOverflowError: too deep");
      store.error = null;
      assertThat(awaitComplete(overview).get("eventCount").asLong()).isEqualTo(30);
    }
  }

  private static ObjectNode awaitComplete(Overview overview) {
    return await(overview, o -> o.get("complete").asBoolean());
  }

  private static ObjectNode awaitError(Overview overview) {
    return await(overview, o -> o.has("countingError"));
  }

  private static ObjectNode await(Overview overview, java.util.function.Predicate<ObjectNode> done) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      ObjectNode o = overview.answer();
      if (done.test(o)) {
        return o;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the overview never got there: " + o);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
