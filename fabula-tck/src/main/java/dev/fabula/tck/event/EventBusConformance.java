package dev.fabula.tck.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.SubscriberOverflowException;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import dev.fabula.tck.TckData.Beta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
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
 * and delivery goes on without ever holding a publisher), the slow subscriber policies, use after
 * close, queue groups (members share, each event to one member; others get every event; a member
 * that closes leaves) and durable subscriptions (resumed after a restart, delivered again when the
 * handler threw, given up and reported after the delivery limit), or the refusal of either with
 * {@link UnsupportedSubscriptionException}. Extend it and implement {@link #newBus()}; say what the
 * bus supports with {@link Capabilities} through the constructor.
 *
 * <p>The lifecycle is the suite's: each test gets a fresh bus, and the suite closes the test's
 * subscriptions and buses afterwards; a backend reaches the bus only through {@link #bus()}. When
 * the transport is shared ({@link Capabilities#sharedTransport()}), some tests open more buses
 * with {@link #newBus()}, as other processes connected to the same server.
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
   * @param queueGroups whether the bus shares events among the members of a {@linkplain
   *     SubscriptionOptions#queueGroup() queue group}; when false, the suite checks that it refuses
   *     them with {@link UnsupportedSubscriptionException}
   * @param durable whether the bus keeps {@linkplain Durable durable subscriptions}; when false,
   *     the suite checks that it refuses them with {@link UnsupportedSubscriptionException}
   * @param sharedTransport whether the buses that {@link #newBus()} returns during one test reach
   *     each other, as processes connected to one server do (the same server, stream and subject
   *     prefix): then the queue group cases put members on two buses, and the durable cases
   *     restart their subscriber on another bus. False for a bus that lives only in its process,
   *     such as the in-memory bus; a bus with durable subscriptions must share its transport
   * @param upcasts whether the bus sends events encoded and so reads them through the codec's
   *     event upcasters (ADR 0021): then a subscription to a name receives events published under
   *     the names that read as it, as they read; when false (a bus that hands on the objects
   *     published, such as the in-memory bus), the suite checks that events arrive as published
   */
  public record Capabilities(
      Set<OverflowPolicy> overflowPolicies,
      Duration timeout,
      boolean queueGroups,
      boolean durable,
      boolean sharedTransport,
      boolean upcasts) {
    /** Checks the bus implements a policy, the timeout is positive, and durable buses share. */
    public Capabilities {
      overflowPolicies = Set.copyOf(overflowPolicies);
      if (overflowPolicies.isEmpty()) {
        throw new IllegalArgumentException("a bus implements at least one overflow policy");
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive, not " + timeout);
      }
      if (durable && !sharedTransport) {
        throw new IllegalArgumentException(
            "a bus that keeps durable subscriptions must let another bus on its transport resume them:"
                + " it cannot have sharedTransport false");
      }
    }

    /**
     * Every overflow policy, a 10 second timeout, queue groups, durable subscriptions, a shared
     * transport and event upcasting: a bus that does less says so with the {@code with} methods.
     */
    public static Capabilities defaults() {
      return new Capabilities(EnumSet.allOf(OverflowPolicy.class), Duration.ofSeconds(10), true, true, true, true);
    }

    /** These capabilities with events read through event upcasters ({@code true}) or handed on as published. */
    public Capabilities withUpcasting(boolean reads) {
      return new Capabilities(overflowPolicies, timeout, queueGroups, durable, sharedTransport, reads);
    }

    /** These capabilities with only {@code policies}. */
    public Capabilities withOverflowPolicies(Set<OverflowPolicy> policies) {
      return new Capabilities(policies, timeout, queueGroups, durable, sharedTransport, upcasts);
    }

    /** These capabilities with a {@code wait} for each delivery. */
    public Capabilities withTimeout(Duration wait) {
      return new Capabilities(overflowPolicies, wait, queueGroups, durable, sharedTransport, upcasts);
    }

    /** These capabilities with queue groups shared ({@code true}) or refused ({@code false}). */
    public Capabilities withQueueGroups(boolean shares) {
      return new Capabilities(overflowPolicies, timeout, shares, durable, sharedTransport, upcasts);
    }

    /** These capabilities with durable subscriptions kept ({@code true}) or refused ({@code false}). */
    public Capabilities withDurable(boolean keeps) {
      return new Capabilities(overflowPolicies, timeout, queueGroups, keeps, sharedTransport, upcasts);
    }

    /** These capabilities with buses of one test reaching each other ({@code true}) or not. */
    public Capabilities withSharedTransport(boolean shared) {
      return new Capabilities(overflowPolicies, timeout, queueGroups, durable, shared, upcasts);
    }
  }

  private final Capabilities capabilities;
  private @Nullable EventBus bus;
  private final List<EventBus> otherBuses = new ArrayList<>();
  private final List<Subscription> subscriptions = new ArrayList<>();

  /** A suite for a bus with {@link Capabilities#defaults()}. */
  protected EventBusConformance() {
    this(Capabilities.defaults());
  }

  /** A suite for a bus with {@code capabilities}. */
  protected EventBusConformance(Capabilities capabilities) {
    this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
  }

  /**
   * A new bus whose codec (if any) knows {@link TckData#registry()}; the suite closes it. Called
   * once before each test; with {@link Capabilities#sharedTransport()}, called again by the queue
   * group and durable cases, which model other processes: every bus it returns during one test must
   * then reach the same events and durable subscriptions as the first (connect to the same server,
   * stream and subject prefix; choose those per test, not per call).
   */
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
    otherBuses.forEach(EventBus::close);
    otherBuses.clear();
    if (bus != null) {
      bus.close();
      bus = null;
    }
  }

  /**
   * Another bus on the transport of {@link #bus()}, as another process would connect, when the
   * transport is shared; the bus under test itself otherwise. The suite closes it.
   */
  private EventBus anotherBus() {
    if (!capabilities.sharedTransport()) {
      return bus();
    }
    EventBus other = Objects.requireNonNull(newBus(), "newBus() returned null");
    otherBuses.add(other);
    return other;
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
  void readsEventsPublishedUnderOldNamesAsTheyReadNow() throws Exception {
    Event<?> old = Event.create(TckData.ALPHA_V0, new TckData.AlphaV0("old"));
    if (!capabilities.upcasts()) {
      Inbox inbox = subscribe(Set.of(TckData.ALPHA_V0));
      bus.publish(List.of(old));
      Event<?> got = inbox.next();
      assertThat(got.name()).as("handed on as published").isEqualTo(TckData.ALPHA_V0);
      assertThat(got.data()).isEqualTo(old.data());
      return;
    }
    Inbox inbox = subscribe(Set.of(TckData.ALPHA));
    Inbox durable = capabilities.durable() ? subscribeDurable(bus(), uniqueDurable().withAckWait(ackWait())) : null;
    Event<?> obsolete = Event.create(TckData.OBSOLETE_V0, new TckData.NoteV0("gone"));
    Event<?> pair = Event.create(TckData.PAIR_V0, new TckData.PairV0("p1", "p2"));
    Event<?> broken = Event.create(TckData.BROKEN_V0, new TckData.NoteV0("x"));
    bus.publish(List.of(old));
    bus.publish(List.of(obsolete));
    bus.publish(List.of(pair));
    bus.publish(List.of(broken));
    bus.publish(List.of(marker("end")));
    List<Event<?>> got = inbox.next(4);
    assertThat(got).extracting(Event::name).containsOnly(TckData.ALPHA);
    assertThat(got).extracting(e -> (Object) e.data())
        .containsExactly(new Alpha("old"), new Alpha("p1"), new Alpha("p2"), new Alpha("end"));
    assertThat(got.get(0).id()).isEqualTo(old.id());
    assertThat(got.get(1).id()).isEqualTo(pair.id());
    assertThat(inbox.errors).as("the failing upcaster, reported to the subscription, named")
        .anySatisfy(e -> assertThat(e).hasStackTraceContaining(TckData.BROKEN_UPCASTER.toString()));
    if (durable != null) {
      assertThat(durable.next(4)).as("a durable subscription reads them so too").extracting(e -> (Object) e.data())
          .containsExactly(new Alpha("old"), new Alpha("p1"), new Alpha("p2"), new Alpha("end"));
    }
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
    // The publisher must get stuck: the handler holds one event, the buffer holds `capacity`, and
    // a bus may let up to `capacity` more wait on their way to the subscriber (a networked bus
    // counts them between its publishers and its delivery). A publisher merely waiting on I/O
    // proves nothing, so wait until the count of completed publishes stops changing.
    int held = 2 * capacity + 1;
    int settled = awaitSettled(done);
    assertThat(publisher.isAlive()).as("publisher is held back").isTrue();
    assertThat(settled).as("publishes completed while the subscriber is stuck").isLessThanOrEqualTo(held);
    awaitSettled(done);
    assertThat(done.get()).as("publishes completed while the subscriber is still stuck").isLessThanOrEqualTo(held);
    assertThat(publisher.isAlive()).as("publisher is still held back").isTrue();

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

  /** How long a count must stay unchanged to count as settled. */
  private static final Duration SETTLE = Duration.ofMillis(300);

  /**
   * Waits until {@code count} stays unchanged for {@link #SETTLE} (at most the kit's timeout), and
   * returns it.
   */
  private int awaitSettled(AtomicInteger count) throws InterruptedException {
    long deadline = System.nanoTime() + timeout().toNanos();
    int last = count.get();
    long since = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(10);
      int now = count.get();
      if (now != last) {
        last = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= SETTLE.toNanos()) {
        return now;
      }
    }
    return count.get();
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

  // ---------------------------------------------------------------- refused options

  /**
   * Asserts the bus refuses {@code options} with {@link UnsupportedSubscriptionException} and a
   * message, and that the refused handler never receives an event a witness receives.
   */
  private void assertRefused(SubscriptionOptions options, String capability) throws InterruptedException {
    Inbox refused = new Inbox();
    assertThatThrownBy(() -> subscriptions.add(bus().subscribe(Set.of(TckData.ALPHA), refused.events::add, options)))
        .as("the capabilities say the bus refuses %s, so subscribing with them throws", capability)
        .isInstanceOf(UnsupportedSubscriptionException.class)
        .satisfies(e -> assertThat(e.getMessage()).as("what was refused, and why").isNotBlank());
    Inbox witness = subscribe(Set.of(TckData.ALPHA));
    Event<Alpha> after = TckData.alpha("after the refusal");
    bus().publish(List.of(after));
    assertThat(witness.next().id()).isEqualTo(after.id());
    assertThat(refused.events).as("a refused subscription receives nothing").isEmpty();
  }

  /** When the bus refuses queue groups, checks that it does and returns true. */
  private boolean refusesQueueGroups() throws InterruptedException {
    if (capabilities.queueGroups()) {
      return false;
    }
    assertRefused(SubscriptionOptions.defaults().withQueueGroup("tck-refused"), "queue groups");
    return true;
  }

  /** When the bus refuses durable subscriptions, checks that it does and returns true. */
  private boolean refusesDurable() throws InterruptedException {
    if (capabilities.durable()) {
      return false;
    }
    assertRefused(SubscriptionOptions.defaults().withDurable(Durable.named("tck-refused")), "durable subscriptions");
    return true;
  }

  // ---------------------------------------------------------------- queue groups

  /**
   * One event as a member of a queue group received it.
   *
   * @param member the member's number, in joining order
   * @param event what it received
   */
  private record Delivery(int member, Event<?> event) {}

  /** The members of one queue group, and everything they received, together. */
  private final class Group {
    private final String name;
    private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
    private final List<Subscription> members = new ArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final Set<Integer> receivers = ConcurrentHashMap.newKeySet();

    Group(String name) {
      this.name = name;
    }

    /** Joins a new member to the group on {@code on}, for events named {@code names}. */
    Subscription join(EventBus on, Set<String> names) {
      int member = members.size();
      Subscription sub =
          on.subscribe(
              names,
              e -> {
                receivers.add(member);
                deliveries.add(new Delivery(member, e));
              },
              SubscriptionOptions.defaults().withQueueGroup(name).withErrorHandler(errors::add));
      subscriptions.add(sub);
      members.add(sub);
      return sub;
    }

    /** The next delivery to any member, failing after the timeout. */
    Delivery next() throws InterruptedException {
      Delivery d = deliveries.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(d).as("group %s: a delivery within %s", name, timeout()).isNotNull();
      return d;
    }

    /** Publishes each event alone and checks the next delivery is that event: no repeat, no loss. */
    void publishOneAtATime(List<Event<?>> events) throws InterruptedException {
      publishEachAlone(events, this);
    }

    /** Receives deliveries until each of {@code expected} has arrived once, failing on a repeat. */
    void receiveEachOnce(List<Event<?>> expected) throws InterruptedException {
      Set<UUID> missing = new HashSet<>(expected.stream().map(Event::id).toList());
      while (!missing.isEmpty()) {
        Delivery d = next();
        assertThat(missing.remove(d.event().id()))
            .as("group %s: %s arrived once, and was published (%d still missing)", name, d.event().data(), missing.size())
            .isTrue();
      }
      assertThat(errors).as("group %s: errors", name).isEmpty();
    }
  }

  /**
   * Publishes each event alone and checks that the next delivery of every group is that event:
   * each group gets each event once, none lost, none repeated.
   */
  private void publishEachAlone(List<Event<?>> events, Group... groups) throws InterruptedException {
    for (Event<?> e : events) {
      bus().publish(List.of(e));
      for (Group g : groups) {
        assertThat(g.next().event().id())
            .as("group %s: the delivery after publishing %s alone (a repeat or a loss otherwise)", g.name, e.data())
            .isEqualTo(e.id());
      }
    }
  }

  private static List<Event<?>> alphas(String prefix, int count) {
    List<Event<?>> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(TckData.alpha(prefix + " " + i));
    }
    return events;
  }

  private static List<UUID> ids(List<Event<?>> events) {
    return events.stream().map(Event::id).toList();
  }

  /**
   * Each event reaches exactly one member, one at a time and in a burst, and the work is shared:
   * more than one member receives events (no even spread is asked for; how a bus chooses is its
   * own).
   */
  @Test
  void queueGroupMembersShareTheEventsEachDeliveredToOneMember() throws Exception {
    if (refusesQueueGroups()) {
      return;
    }
    Group group = new Group("tck-share");
    group.join(bus(), Set.of(TckData.ALPHA));
    group.join(anotherBus(), Set.of(TckData.ALPHA));
    group.join(bus(), Set.of(TckData.ALPHA));

    group.publishOneAtATime(alphas("alone", 30));
    List<Event<?>> burst = alphas("burst", 100);
    bus().publish(burst);
    group.receiveEachOnce(burst);

    assertThat(group.receivers).as("members that received events: the group shares them").hasSizeGreaterThan(1);
  }

  @Test
  void subscribersOutsideAQueueGroupGetEveryEvent() throws Exception {
    if (refusesQueueGroups()) {
      return;
    }
    Group group = new Group("tck-outside");
    group.join(bus(), Set.of(TckData.ALPHA));
    group.join(anotherBus(), Set.of(TckData.ALPHA));
    Inbox plain = subscribe(Set.of(TckData.ALPHA));
    Inbox wildcard = subscribe(Set.of(EventBus.ALL));

    List<Event<?>> published = alphas("e", 20);
    bus().publish(published);

    assertThat(plain.next(20)).extracting(Event::id).containsExactlyElementsOf(ids(published));
    assertThat(wildcard.next(20)).extracting(Event::id).containsExactlyElementsOf(ids(published));
    group.receiveEachOnce(published);
  }

  @Test
  void twoQueueGroupsEachGetEveryEvent() throws Exception {
    if (refusesQueueGroups()) {
      return;
    }
    Group first = new Group("tck-first");
    Group second = new Group("tck-second");
    first.join(bus(), Set.of(TckData.ALPHA));
    first.join(anotherBus(), Set.of(TckData.ALPHA));
    second.join(bus(), Set.of(TckData.ALPHA));
    second.join(anotherBus(), Set.of(TckData.ALPHA));

    publishEachAlone(alphas("alone", 20), first, second);
    List<Event<?>> burst = alphas("burst", 50);
    bus().publish(burst);
    first.receiveEachOnce(burst);
    second.receiveEachOnce(burst);
  }

  @Test
  void theSameGroupNameOverOtherEventNamesIsAnotherGroup() throws Exception {
    if (refusesQueueGroups()) {
      return;
    }
    // A queue group is its name and its event names, on every bus: members must want the same
    // events to share them.
    Group narrow = new Group("tck-same-name");
    Group wide = new Group("tck-same-name");
    narrow.join(bus(), Set.of(TckData.ALPHA));
    narrow.join(anotherBus(), Set.of(TckData.ALPHA));
    wide.join(bus(), Set.of(TckData.ALPHA, TckData.BETA));
    wide.join(anotherBus(), Set.of(TckData.ALPHA, TckData.BETA));

    publishEachAlone(alphas("named", 20), narrow, wide);
    Event<Beta> beta = TckData.beta("order", UUID.randomUUID(), 1);
    bus().publish(List.of(beta));
    assertThat(wide.next().event().id()).as("alpha-and-beta group: the beta").isEqualTo(beta.id());
    List<Event<?>> burst = alphas("burst", 50);
    bus().publish(burst);
    narrow.receiveEachOnce(burst);
    wide.receiveEachOnce(burst);
  }

  @Test
  void aQueueGroupMemberThatClosesLeavesAndTheOthersGetItsShare() throws Exception {
    if (refusesQueueGroups()) {
      return;
    }
    Group group = new Group("tck-leave");
    Subscription leaving = group.join(bus(), Set.of(TckData.ALPHA));
    group.join(anotherBus(), Set.of(TckData.ALPHA));
    group.publishOneAtATime(alphas("together", 10));

    leaving.close();
    assertThat(leaving.isActive()).isFalse();
    for (Event<?> e : alphas("after", 20)) {
      bus().publish(List.of(e));
      Delivery d = group.next();
      assertThat(d.event().id()).as("the delivery after publishing %s alone", e.data()).isEqualTo(e.id());
      assertThat(d.member()).as("the member that received %s (member 0 has left)", e.data()).isEqualTo(1);
    }
    assertThat(group.errors).isEmpty();
  }

  // ---------------------------------------------------------------- durable subscriptions

  /** A durable subscription name no other test uses. */
  private static Durable uniqueDurable() {
    return Durable.named("tck-durable-" + UUID.randomUUID());
  }

  /** An ack wait well inside the timeout, so redeliveries after it fit in one wait. */
  private Duration ackWait() {
    return timeout().dividedBy(5);
  }

  private Inbox subscribeDurable(EventBus on, Durable durable) {
    Inbox inbox = new Inbox();
    subscriptions.add(
        on.subscribe(
            Set.of(TckData.ALPHA),
            inbox.events::add,
            SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(inbox.errors::add)));
    return inbox;
  }

  /** The throwable and its causes. */
  private static List<Throwable> chain(Throwable t) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
      chain.add(c);
    }
    return chain;
  }

  /**
   * The subscriber's bus closes after its handler returned for two events; three more are
   * published; a subscriber on another bus with the same durable name gets those three, then what
   * follows, and not the two acknowledged ones: not even once the ack wait has passed (close
   * returned only after they were acknowledged).
   */
  @Test
  void aDurableSubscriptionResumesAfterItsSubscriberRestarts() throws Exception {
    if (refusesDurable()) {
      return;
    }
    Durable durable = uniqueDurable().withAckWait(ackWait());
    EventBus firstProcess = anotherBus();
    Inbox first = subscribeDurable(firstProcess, durable);
    List<Event<?>> handled = alphas("handled", 2);
    bus().publish(handled);
    assertThat(first.next(2)).extracting(Event::id).containsExactlyElementsOf(ids(handled));

    // The subscriber's process stops; the handler returned for both events, so both are acknowledged.
    firstProcess.close();
    List<Event<?>> missed = alphas("missed", 3);
    bus().publish(missed);

    Inbox restarted = subscribeDurable(anotherBus(), durable);
    Event<Alpha> after = marker("after the restart");
    bus().publish(List.of(after));
    List<UUID> expected = new ArrayList<>(ids(missed));
    expected.add(after.id());
    assertThat(restarted.next(4))
        .as("what was published while it was gone, then what came after; nothing acknowledged again")
        .extracting(Event::id)
        .containsExactlyElementsOf(expected);
    // An event acknowledged too late (after close returned) would come again once the ack wait ran out.
    Thread.sleep(ackWait().multipliedBy(2).toMillis());
    Event<Alpha> last = marker("after the ack wait");
    bus().publish(List.of(last));
    assertThat(restarted.next().id())
        .as("the next delivery after the ack wait passed is the event published then, no earlier one again")
        .isEqualTo(last.id());
    assertThat(first.errors).isEmpty();
    assertThat(restarted.errors).isEmpty();
  }

  @Test
  void aDurableHandlerThatThrowsGetsTheEventAgain() throws Exception {
    if (refusesDurable()) {
      return;
    }
    Event<Alpha> flaky = TckData.alpha("fails once");
    RuntimeException failure = new IllegalStateException("the first delivery of " + flaky.id() + " fails");
    AtomicInteger attempts = new AtomicInteger();
    BlockingQueue<Event<?>> handled = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    subscriptions.add(
        bus()
            .subscribe(
                Set.of(TckData.ALPHA),
                e -> {
                  if (e.id().equals(flaky.id()) && attempts.incrementAndGet() == 1) {
                    throw failure;
                  }
                  handled.add(e);
                },
                SubscriptionOptions.defaults()
                    .withDurable(uniqueDurable().withAckWait(ackWait()).withMaxDeliveries(3))
                    .withErrorHandler(errors::add)));
    List<Event<?>> published = new ArrayList<>();
    published.add(flaky);
    published.addAll(alphas("fine", 2));
    bus().publish(published);

    List<Event<?>> received = new ArrayList<>();
    for (int i = 0; i < published.size(); i++) {
      Event<?> e = handled.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("handled event %d of %d (the failed one delivered again)", i + 1, published.size()).isNotNull();
      received.add(e);
    }
    assertThat(received).extracting(Event::id).containsExactlyInAnyOrderElementsOf(ids(published));
    assertThat(attempts.get()).as("deliveries of the event whose handler failed once").isEqualTo(2);
    Throwable reported = errors.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertThat(reported).as("the handler's failure, reported").isNotNull();
    assertThat(chain(reported)).as("the report carries what the handler threw").contains(failure);
  }

  /**
   * An event whose handler always throws is delivered exactly {@code maxDeliveries} times; besides
   * each failure, the error handler receives a report naming the event's id, and delivery goes on.
   */
  @Test
  void aDurableSubscriptionGivesUpAfterMaxDeliveriesAndReportsIt() throws Exception {
    if (refusesDurable()) {
      return;
    }
    int maxDeliveries = 3;
    Event<Alpha> poison = TckData.alpha("always fails");
    List<Throwable> thrown = new CopyOnWriteArrayList<>();
    BlockingQueue<Event<?>> handled = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    subscriptions.add(
        bus()
            .subscribe(
                Set.of(TckData.ALPHA),
                e -> {
                  if (e.id().equals(poison.id())) {
                    RuntimeException failure = new IllegalStateException("delivery of " + poison.id() + " fails");
                    thrown.add(failure);
                    throw failure;
                  }
                  handled.add(e);
                },
                SubscriptionOptions.defaults()
                    .withDurable(uniqueDurable().withAckWait(ackWait()).withMaxDeliveries(maxDeliveries))
                    .withErrorHandler(errors::add)));
    bus().publish(List.of(poison));

    // Besides each failure, the bus reports that it gave up, naming the event.
    long deadline = System.nanoTime() + timeout().toNanos();
    Throwable gaveUp = null;
    while (gaveUp == null) {
      Throwable report = errors.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(report).as("a report that the bus gave up on %s, within %s", poison.id(), timeout()).isNotNull();
      if (!thrown.contains(report)
          && chain(report).stream().anyMatch(t -> String.valueOf(t.getMessage()).contains(poison.id().toString()))) {
        gaveUp = report;
      }
    }
    Event<Alpha> after = marker("after giving up");
    bus().publish(List.of(after));
    Event<?> next = handled.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertThat(next).as("delivery goes on after giving up").isNotNull();
    assertThat(next.id()).isEqualTo(after.id());
    assertThat(thrown).as("deliveries of the event whose handler always fails").hasSize(maxDeliveries);
  }
}
