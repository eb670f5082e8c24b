package dev.fabula.tck.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import dev.fabula.tck.TckData.Beta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite for {@link EventBus}es: delivery by name and wildcard, many subscribers,
 * multi-event publish, order per subscription, prompt stop on close, handler errors (an {@link
 * Error}, a failing error handler and a left-over interrupt included: each is reported or harmless,
 * and delivery goes on without ever holding a publisher), the slow subscriber policies, and use
 * after close. Extend it and implement {@link #newBus()}; say what the bus supports with {@link
 * Capabilities} through the constructor.
 *
 * <p>The lifecycle is the suite's: each test gets a fresh bus, and the suite closes the test's
 * subscriptions and the bus afterwards; a backend reaches the bus only through {@link #bus()}.
 *
 * <p>No test sleeps for a fixed time: waits are bounded by {@link Capabilities#timeout()}, and
 * "nothing else arrived" is checked with a marker event published after, which an ordered
 * subscription must receive last.
 */
public abstract class EventBusConformance {
  /**
   * What the bus under test supports, and how long the suite waits for a delivery.
   *
   * @param overflowPolicies the slow subscriber policies the bus implements: at least one
   * @param timeout how long to wait for a delivery before failing
   */
  public record Capabilities(Set<OverflowPolicy> overflowPolicies, Duration timeout) {
    /** Checks the bus implements a policy and the timeout is positive. */
    public Capabilities {
      overflowPolicies = Set.copyOf(overflowPolicies);
      if (overflowPolicies.isEmpty()) {
        throw new IllegalArgumentException("a bus implements at least one overflow policy");
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive, not " + timeout);
      }
    }

    /** Every overflow policy, and a 10 second timeout. */
    public static Capabilities defaults() {
      return new Capabilities(EnumSet.allOf(OverflowPolicy.class), Duration.ofSeconds(10));
    }

    /** These capabilities with only {@code policies}. */
    public Capabilities withOverflowPolicies(Set<OverflowPolicy> policies) {
      return new Capabilities(policies, timeout);
    }

    /** These capabilities with a {@code wait} for each delivery. */
    public Capabilities withTimeout(Duration wait) {
      return new Capabilities(overflowPolicies, wait);
    }
  }

  private final Capabilities capabilities;
  private @Nullable EventBus bus;
  private final List<Subscription> subscriptions = new ArrayList<>();

  /** A suite for a bus with {@link Capabilities#defaults()}. */
  protected EventBusConformance() {
    this(Capabilities.defaults());
  }

  /** A suite for a bus with {@code capabilities}. */
  protected EventBusConformance(Capabilities capabilities) {
    this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
  }

  /** A new bus whose codec (if any) knows {@link TckData#registry()}; the suite closes it. */
  protected abstract EventBus newBus();

  /** The bus under test, fresh for each test. */
  protected final EventBus bus() {
    return Objects.requireNonNull(bus, "the bus under test exists only while a test runs");
  }

  private boolean supports(OverflowPolicy policy) {
    return capabilities.overflowPolicies().contains(policy);
  }

  private Duration timeout() {
    return capabilities.timeout();
  }

  @BeforeEach
  final void openBus() {
    bus = Objects.requireNonNull(newBus(), "newBus() returned null");
  }

  @AfterEach
  final void closeBus() {
    subscriptions.forEach(Subscription::close);
    subscriptions.clear();
    if (bus != null) {
      bus.close();
      bus = null;
    }
  }

  /** Collects what a subscription receives. */
  protected final class Inbox {
    final BlockingQueue<Event<?>> events = new LinkedBlockingQueue<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    /** The next event, failing after the timeout. */
    public Event<?> next() throws InterruptedException {
      Event<?> e = events.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("an event within " + timeout()).isNotNull();
      return e;
    }

    /** The next {@code n} events. */
    public List<Event<?>> next(int n) throws InterruptedException {
      List<Event<?>> got = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        got.add(next());
      }
      return got;
    }

    /** Asserts the next event is the marker published after everything else. */
    public void assertOnlyMarkerArrives(String markerText) throws InterruptedException {
      assertThat(next().data()).as("nothing but the marker arrives").isEqualTo(new Alpha(markerText));
    }
  }

  private Inbox subscribe(Set<String> names) {
    return subscribe(names, SubscriptionOptions.defaults());
  }

  private Inbox subscribe(Set<String> names, SubscriptionOptions options) {
    Inbox inbox = new Inbox();
    subscriptions.add(
        bus.subscribe(names, inbox.events::add, options.withErrorHandler(inbox.errors::add)));
    return inbox;
  }

  private static Event<Alpha> marker(String text) {
    return TckData.alpha(text);
  }

  @Test
  void deliversEventsOfTheSubscribedName() throws Exception {
    Inbox inbox = subscribe(Set.of(TckData.BETA, TckData.ALPHA));
    Event<Beta> beta = TckData.beta("order", UUID.randomUUID(), 1);
    bus.publish(List.of(beta));
    Event<?> got = inbox.next();
    assertThat(got.id()).isEqualTo(beta.id());
    assertThat(got.data()).isEqualTo(beta.data());
    assertThat(got.aggregate()).isEqualTo(beta.aggregate());
    assertThat(got.time()).isEqualTo(beta.time());
  }

  @Test
  void doesNotDeliverOtherNames() throws Exception {
    Inbox inbox = subscribe(Set.of(TckData.ALPHA));
    bus.publish(List.of(TckData.beta("order", UUID.randomUUID(), 1), TckData.event(TckData.GAMMA, new TckData.Gamma("g", java.time.Instant.now()), java.time.Instant.now())));
    bus.publish(List.of(marker("marker")));
    inbox.assertOnlyMarkerArrives("marker");
  }

  @Test
  void deliversSeveralNamesToOneSubscription() throws Exception {
    Inbox inbox = subscribe(Set.of(TckData.ALPHA, TckData.BETA));
    Event<Alpha> a = TckData.alpha("a");
    Event<Beta> b = TckData.beta("order", UUID.randomUUID(), 1);
    bus.publish(List.of(a));
    bus.publish(List.of(b));
    assertThat(inbox.next(2)).extracting(Event::id).containsExactly(a.id(), b.id());
  }

  @Test
  void wildcardReceivesEveryNameOnce() throws Exception {
    Inbox inbox = subscribe(Set.of(EventBus.ALL, TckData.ALPHA));
    Event<Alpha> a = TckData.alpha("a");
    Event<Beta> b = TckData.beta("order", UUID.randomUUID(), 1);
    Event<Alpha> end = marker("end");
    bus.publish(List.of(a, b));
    bus.publish(List.of(end));
    assertThat(inbox.next(3)).extracting(Event::id).containsExactly(a.id(), b.id(), end.id());
  }

  @Test
  void everySubscriberReceivesEveryEvent() throws Exception {
    List<Inbox> inboxes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      inboxes.add(subscribe(Set.of(TckData.ALPHA)));
    }
    List<Event<?>> published = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      published.add(TckData.alpha("e" + i));
    }
    bus.publish(published);
    for (Inbox inbox : inboxes) {
      assertThat(inbox.next(20)).extracting(Event::id).containsExactlyElementsOf(published.stream().map(Event::id).toList());
    }
  }

  @Test
  void keepsPublishOrderPerSubscription() throws Exception {
    Inbox inbox = subscribe(Set.of(TckData.BETA));
    UUID agg = UUID.randomUUID();
    List<UUID> published = new ArrayList<>();
    for (int v = 1; v <= 2000; v++) {
      Event<Beta> e = TckData.beta("order", agg, v);
      published.add(e.id());
      bus.publish(List.of(e));
    }
    assertThat(inbox.next(2000)).extracting(Event::id).containsExactlyElementsOf(published);
  }

  @Test
  void closingASubscriptionStopsDelivery() throws Exception {
    Inbox closed = new Inbox();
    Subscription sub = bus.subscribe(Set.of(TckData.ALPHA), closed.events::add);
    Inbox witness = subscribe(Set.of(TckData.ALPHA));
    bus.publish(List.of(TckData.alpha("before")));
    assertThat(closed.next().data()).isEqualTo(new Alpha("before"));
    witness.next();

    sub.close();
    assertThat(sub.isActive()).isFalse();
    bus.publish(List.of(TckData.alpha("after")));
    assertThat(witness.next().data()).isEqualTo(new Alpha("after"));
    // The witness got the later event, so an open subscription would have too.
    assertThat(closed.events).isEmpty();
    sub.close(); // idempotent
  }

  @Test
  void aFailingHandlerIsReportedAndDeliveryContinues() throws Exception {
    BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    subscriptions.add(
        bus.subscribe(
            Set.of(TckData.ALPHA),
            e -> {
              if (e.data().equals(new Alpha("poison"))) {
                throw new IllegalStateException("boom on " + e.id());
              }
              got.add(e);
            },
            SubscriptionOptions.defaults().withErrorHandler(errors::add)));
    Event<Alpha> poison = TckData.alpha("poison");
    bus.publish(List.of(poison, TckData.alpha("fine")));
    Throwable error = errors.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertThat(error).isInstanceOf(IllegalStateException.class).hasMessageContaining(poison.id().toString());
    Event<?> next = got.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertThat(next).isNotNull();
    assertThat(next.data()).isEqualTo(new Alpha("fine"));
  }

  /**
   * Options with a small buffer that publishes quickly fill: back-pressure where the bus has it, so
   * a subscriber whose delivery died would hold the publisher forever.
   */
  private SubscriptionOptions smallBuffer() {
    return supports(OverflowPolicy.BLOCK)
        ? SubscriptionOptions.defaults().withBufferCapacity(2).withOverflowPolicy(OverflowPolicy.BLOCK)
        : SubscriptionOptions.defaults();
  }

  /** Publishes each event on its own call, from another thread, failing if that takes too long. */
  private void publishEachBoundedly(List<Event<?>> events) throws InterruptedException {
    AtomicInteger done = new AtomicInteger();
    Thread publisher =
        Thread.ofVirtual()
            .start(
                () -> {
                  for (Event<?> e : events) {
                    bus.publish(List.of(e));
                    done.incrementAndGet();
                  }
                });
    publisher.join(timeout().toMillis());
    assertThat(done.get())
        .as("publishes completed (a publisher must never wait on a subscriber whose delivery died)")
        .isEqualTo(events.size());
  }

  private static int recurse(int depth) {
    return depth == Integer.MAX_VALUE ? depth : recurse(depth + 1) + 1;
  }

  @Test
  void anErrorThrownByAHandlerIsReportedAndDeliveryContinues() throws Exception {
    BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    AssertionError assertion = new AssertionError("handler assertion");
    Subscription sub =
        bus.subscribe(
            Set.of(TckData.ALPHA),
            e -> {
              if (e.data().equals(new Alpha("assert"))) {
                throw assertion;
              }
              if (e.data().equals(new Alpha("overflow"))) {
                recurse(0); // a real StackOverflowError
              }
              got.add(e);
            },
            smallBuffer().withErrorHandler(errors::add));
    subscriptions.add(sub);
    List<Event<?>> published = new ArrayList<>();
    published.add(TckData.alpha("assert"));
    published.add(TckData.alpha("overflow"));
    List<Event<?>> fine = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fine.add(TckData.alpha("fine " + i));
    }
    published.addAll(fine);

    publishEachBoundedly(published);

    List<Throwable> reported = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Throwable error = errors.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(error).as("reported error " + (i + 1) + " of 2").isNotNull();
      reported.add(error);
    }
    assertThat(reported.get(0)).isSameAs(assertion);
    assertThat(reported.get(1)).isInstanceOf(StackOverflowError.class);
    List<Event<?>> received = new ArrayList<>();
    for (int i = 0; i < fine.size(); i++) {
      Event<?> e = got.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("event " + i + " after the errors").isNotNull();
      received.add(e);
    }
    assertThat(received).extracting(Event::id).containsExactlyElementsOf(fine.stream().map(Event::id).toList());
    assertThat(sub.isActive()).as("still delivering, as it says").isTrue();
  }

  @Test
  void anErrorHandlerThatThrowsDoesNotStopDelivery() throws Exception {
    BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
    CountDownLatch reported = new CountDownLatch(2);
    Subscription sub =
        bus.subscribe(
            Set.of(TckData.ALPHA),
            e -> {
              if (e.data() instanceof Alpha a && a.text().startsWith("poison")) {
                throw new IllegalStateException(a.text());
              }
              got.add(e);
            },
            smallBuffer()
                .withErrorHandler(
                    error -> {
                      reported.countDown();
                      if (error.getMessage().equals("poison 1")) {
                        throw new IllegalStateException("the error handler fails too");
                      }
                      throw new AssertionError("the error handler fails with an Error");
                    }));
    subscriptions.add(sub);
    List<Event<?>> fine = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      fine.add(TckData.alpha("fine " + i));
    }
    List<Event<?>> published = new ArrayList<>();
    published.add(TckData.alpha("poison 1"));
    published.add(TckData.alpha("poison 2"));
    published.addAll(fine);

    publishEachBoundedly(published);

    assertThat(reported.await(timeout().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    List<Event<?>> received = new ArrayList<>();
    for (int i = 0; i < fine.size(); i++) {
      Event<?> e = got.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("event " + i + " after the failing error handler").isNotNull();
      received.add(e);
    }
    assertThat(received).extracting(Event::id).containsExactlyElementsOf(fine.stream().map(Event::id).toList());
    assertThat(sub.isActive()).isTrue();
  }

  @Test
  void aHandlerThatLeavesItsThreadInterruptedDoesNotStopDelivery() throws Exception {
    // The usual way to deal with an InterruptedException one cannot throw: restore the flag.
    BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    Subscription sub =
        bus.subscribe(
            Set.of(TckData.ALPHA),
            e -> {
              got.add(e);
              Thread.currentThread().interrupt();
            },
            smallBuffer().withErrorHandler(errors::add));
    subscriptions.add(sub);
    List<Event<?>> published = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      published.add(TckData.alpha("e" + i));
    }

    publishEachBoundedly(published);

    List<Event<?>> received = new ArrayList<>();
    for (int i = 0; i < published.size(); i++) {
      Event<?> e = got.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("event " + i).isNotNull();
      received.add(e);
    }
    assertThat(received).extracting(Event::id).containsExactlyElementsOf(published.stream().map(Event::id).toList());
    assertThat(sub.isActive()).isTrue();
    assertThat(errors).isEmpty();
  }

  @Test
  void aSlowSubscriberUnderBackPressureSlowsThePublisherAndLosesNothing() throws Exception {
    if (!supports(OverflowPolicy.BLOCK)) {
      assertThat(supports(OverflowPolicy.CANCEL_SUBSCRIPTION)).as("a bus implements at least one policy").isTrue();
      return;
    }
    int capacity = 4;
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
    subscriptions.add(
        bus.subscribe(
            Set.of(TckData.ALPHA),
            e -> {
              release.await();
              got.add(e);
            },
            SubscriptionOptions.defaults().withBufferCapacity(capacity).withOverflowPolicy(OverflowPolicy.BLOCK)));
    List<Event<?>> published = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      published.add(TckData.alpha("e" + i));
    }
    AtomicInteger done = new AtomicInteger();
    Thread publisher =
        Thread.ofVirtual()
            .start(
                () -> {
                  for (Event<?> e : published) {
                    bus.publish(List.of(e));
                    done.incrementAndGet();
                  }
                });
    // The publisher must get stuck: the handler holds one event and the buffer holds `capacity`.
    long deadline = System.nanoTime() + timeout().toNanos();
    while (publisher.getState() != Thread.State.WAITING
        && publisher.getState() != Thread.State.TIMED_WAITING
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(publisher.isAlive()).as("publisher is held back").isTrue();
    assertThat(done.get()).as("publishes completed while the subscriber is stuck").isLessThan(published.size());

    release.countDown();
    publisher.join(timeout().toMillis());
    assertThat(publisher.isAlive()).isFalse();
    List<Event<?>> received = new ArrayList<>();
    for (int i = 0; i < published.size(); i++) {
      Event<?> e = got.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).isNotNull();
      received.add(e);
    }
    assertThat(received).extracting(Event::id).containsExactlyElementsOf(published.stream().map(Event::id).toList());
  }

  @Test
  void aSlowSubscriberUnderCancellationIsCancelledAndReported() throws Exception {
    if (!supports(OverflowPolicy.CANCEL_SUBSCRIPTION)) {
      assertThat(supports(OverflowPolicy.BLOCK)).as("a bus implements at least one policy").isTrue();
      return;
    }
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    Subscription slow =
        bus.subscribe(
            Set.of(TckData.ALPHA),
            e -> release.await(),
            SubscriptionOptions.defaults()
                .withBufferCapacity(2)
                .withOverflowPolicy(OverflowPolicy.CANCEL_SUBSCRIPTION)
                .withErrorHandler(errors::add));
    subscriptions.add(slow);
    Inbox fast = subscribe(Set.of(TckData.ALPHA));
    List<Event<?>> published = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      published.add(TckData.alpha("e" + i));
    }
    bus.publish(published); // must not block on the slow subscriber
    Throwable error = errors.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertThat(error).isInstanceOf(SubscriberOverflowException.class);
    assertThat(slow.isActive()).isFalse();
    assertThat(fast.next(50)).extracting(Event::id).containsExactlyElementsOf(published.stream().map(Event::id).toList());
    release.countDown();
  }

  @Test
  void rejectsAnEmptyNameSet() {
    assertThatThrownBy(() -> bus.subscribe(Set.of(), e -> {})).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesUseAfterClose() throws Exception {
    Inbox inbox = subscribe(Set.of(TckData.ALPHA));
    bus.close();
    assertThatThrownBy(() -> bus.publish(List.of(TckData.alpha("late")))).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> bus.subscribe(Set.of(TckData.ALPHA), e -> {})).isInstanceOf(ClosedException.class);
    assertThat(inbox.events).isEmpty();
    bus.close(); // idempotent
  }
}
