package dev.fabula.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the in-memory bus does with queue groups and durable subscriptions beyond the kit's
 * promises (MemoryEventBusTest in fabula-tck runs the kit): the least loaded member gets the
 * event, a member's overflow policy holds inside its group, a group is named by its name and its
 * event names, and durable subscriptions are refused with advice.
 */
class MemoryEventBusGroupsTest {
  private static final long WAIT_SECONDS = 10;

  private final EventBus bus = InMemory.eventBus();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    bus.close();
  }

  private static Event<String> event(String text) {
    return Event.create("a", text);
  }

  private static List<Event<?>> events(String prefix, int count) {
    List<Event<?>> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(event(prefix + i));
    }
    return events;
  }

  private static SubscriptionOptions group(String name) {
    return SubscriptionOptions.defaults().withQueueGroup(name);
  }

  /** A handler that waits for the test to end before it returns, and says it started. */
  private EventHandler stuck(CountDownLatch started) {
    return e -> {
      started.countDown();
      release.await();
    };
  }

  private static Event<?> next(BlockingQueue<Event<?>> inbox) throws InterruptedException {
    Event<?> e = inbox.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(e).as("an event within %d s", WAIT_SECONDS).isNotNull();
    return e;
  }

  @Test
  void refusesADurableSubscriptionAndSaysWhatToUseInstead() {
    assertThatThrownBy(
            () ->
                bus.subscribe(
                    Set.of("a"), e -> {}, SubscriptionOptions.defaults().withDurable(Durable.named("billing"))))
        .isInstanceOf(UnsupportedSubscriptionException.class)
        .hasMessageContaining("\"billing\"")
        .hasMessageContaining("keeps nothing across a restart")
        .hasMessageContaining("JetStream")
        .hasMessageContaining("event store by position");
  }

  @Test
  void aMemberStuckInItsHandlerDoesNotHoldThePublisherWhileAnotherHasRoom() throws Exception {
    // Both members buffer one event under back-pressure. Choosing in turn would make the publisher
    // wait on the stuck member; the least loaded choice sends everything to the free one.
    CountDownLatch started = new CountDownLatch(1);
    SubscriptionOptions tiny = group("g").withBufferCapacity(1).withOverflowPolicy(OverflowPolicy.BLOCK);
    Subscription stuckMember = bus.subscribe(Set.of("a"), stuck(started), tiny);
    BlockingQueue<Event<?>> free = new LinkedBlockingQueue<>();
    bus.subscribe(Set.of("a"), free::add, tiny);
    while (started.getCount() > 0) { // until the stuck member holds an event
      bus.publish(List.of(event("probe")));
      while (free.isEmpty() && started.getCount() > 0) {
        Thread.onSpinWait();
      }
      free.clear();
    }

    List<Event<?>> published = events("e", 200);
    Thread publisher = Thread.ofVirtual().start(() -> bus.publish(published));
    publisher.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));

    assertThat(publisher.isAlive()).as("the publisher waits on the stuck member").isFalse();
    assertThat(stuckMember.isActive()).isTrue();
    List<Event<?>> got = new ArrayList<>();
    while (got.size() < published.size() - 1) { // the stuck member may have taken one into its buffer
      got.add(next(free));
    }
    assertThat(published).containsAll(got);
  }

  @Test
  void aMemberCancelledOnOverflowLeavesItsGroupAndItsEventGoesToAnother() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    Subscription cancelled =
        bus.subscribe(
            Set.of("a"),
            stuck(started),
            group("g")
                .withBufferCapacity(1)
                .withOverflowPolicy(OverflowPolicy.CANCEL_SUBSCRIPTION)
                .withErrorHandler(errors::add));
    CountDownLatch releaseOther = new CountDownLatch(1);
    BlockingQueue<Event<?>> other = new LinkedBlockingQueue<>();
    bus.subscribe(
        Set.of("a"),
        e -> {
          releaseOther.await();
          other.add(e);
        },
        group("g").withBufferCapacity(1).withOverflowPolicy(OverflowPolicy.BLOCK));

    // Both members fill up; the publisher then cancels the first and waits for the second.
    List<Event<?>> first = events("first", 6);
    Thread publisher = Thread.ofVirtual().start(() -> bus.publish(first));
    Throwable error = errors.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(error).isInstanceOf(SubscriberOverflowException.class);
    assertThat(cancelled.isActive()).isFalse();
    releaseOther.countDown();
    publisher.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    assertThat(publisher.isAlive()).isFalse();

    // What the cancelled member held is gone with it (one or two events); the event it could not
    // take and everything after reach the other member, in order.
    List<Event<?>> later = events("later", 20);
    bus.publish(later);
    List<Event<?>> got = new ArrayList<>();
    while (got.isEmpty() || !got.get(got.size() - 1).equals(later.get(later.size() - 1))) {
      got.add(next(other));
    }
    List<Event<?>> ofFirst = got.subList(0, got.size() - later.size());
    assertThat(got.subList(ofFirst.size(), got.size())).containsExactlyElementsOf(later);
    assertThat(first).containsSubsequence(ofFirst);
    assertThat(ofFirst).hasSizeBetween(first.size() - 2, first.size() - 1).contains(first.get(first.size() - 1));
  }

  @Test
  void theSameGroupNameWithOtherEventNamesIsAnotherGroup() throws Exception {
    BlockingQueue<Event<?>> onlyA = new LinkedBlockingQueue<>();
    BlockingQueue<Event<?>> aAndB = new LinkedBlockingQueue<>();
    bus.subscribe(Set.of("a"), onlyA::add, group("g"));
    bus.subscribe(Set.of("a", "b"), aAndB::add, group("g"));
    Event<String> a = event("to both");
    bus.publish(List.of(a));
    assertThat(next(onlyA)).isEqualTo(a);
    assertThat(next(aAndB)).isEqualTo(a);
  }

  @Test
  void aGroupWhoseMembersAllLeftCanBeJoinedAgain() throws Exception {
    BlockingQueue<Event<?>> first = new LinkedBlockingQueue<>();
    bus.subscribe(Set.of("a"), first::add, group("g")).close();
    bus.publish(List.of(event("to nobody")));
    BlockingQueue<Event<?>> second = new LinkedBlockingQueue<>();
    bus.subscribe(Set.of("a"), second::add, group("g"));
    Event<String> e = event("to the new member");
    bus.publish(List.of(e));
    assertThat(next(second)).isEqualTo(e);
    assertThat(first).isEmpty();
  }

  @Test
  void wildcardMembersShareEveryName() throws Exception {
    BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
    for (int i = 0; i < 3; i++) {
      bus.subscribe(Set.of(EventBus.ALL, "a"), got::add, group("all"));
    }
    List<Event<?>> published = new ArrayList<>(events("a", 10));
    for (int i = 0; i < 10; i++) {
      published.add(Event.create("b", "b" + i));
    }
    bus.publish(published);
    List<UUID> received = new ArrayList<>();
    for (int i = 0; i < published.size(); i++) {
      received.add(next(got).id());
    }
    assertThat(received).containsExactlyInAnyOrderElementsOf(published.stream().map(Event::id).toList());
  }
}
