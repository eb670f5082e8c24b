package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.jackson.JacksonCodec;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the JetStream bus adds: the stream drops a repeated event id, durable subscriptions resume
 * where they stopped, an event whose handler failed comes again until the delivery limit (then it
 * is reported), a durable queue group shares one consumer, and a slow subscriber loses nothing.
 */
class JetStreamBusTest {
  private static final NatsOptions OPTIONS = TestNats.isolated("jetstream").build();
  private final List<AutoCloseable> open = new ArrayList<>();
  private EventBus bus;

  @BeforeAll
  static void server() {
    TestNats.requireServer();
  }

  @AfterAll
  static void dropStream() {
    TestNats.deleteStream(OPTIONS.stream());
  }

  @BeforeEach
  void openBus() {
    bus = newBus();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private EventBus newBus() {
    EventBus b = Nats.jetStreamBus(TestNats.codec(), OPTIONS);
    open.add(b);
    return b;
  }

  private Subscription subscribe(EventBus on, Inbox inbox, SubscriptionOptions options) {
    Subscription s = on.subscribe(Set.of(TckData.ALPHA), inbox, options);
    open.add(s);
    return s;
  }

  private static long storedMessages() throws Exception {
    Connection raw = TestNats.rawConnection();
    try {
      return raw.jetStreamManagement().getStreamInfo(OPTIONS.stream()).getStreamState().getMsgCount();
    } finally {
      raw.close();
    }
  }

  @Test
  void anExistingStreamKeepsItsOperatorsSettingsAndGainsOnlyWhatTheBusNeeds() throws Exception {
    NatsOptions options = TestNats.isolated("keep").build();
    String extra = options.subjectPrefix() + "_ops.audit";
    Connection raw = TestNats.rawConnection();
    try {
      JetStreamManagement jsm = raw.jetStreamManagement();
      jsm.addStream(StreamConfiguration.builder()
          .name(options.stream())
          .subjects(extra)
          .storageType(StorageType.Memory)
          .maxAge(Duration.ofHours(3))
          .maxMessages(1000)
          .discardPolicy(DiscardPolicy.New)
          .duplicateWindow(Duration.ofSeconds(10))
          .build());
      EventBus b = Nats.jetStreamBus(TestNats.codec(), options);
      open.add(b);
      b.publish(List.of(TckData.alpha("first")));
      StreamConfiguration after = jsm.getStreamInfo(options.stream()).getConfiguration();
      assertThat(after.getMaxAge()).isEqualTo(Duration.ofHours(3));
      assertThat(after.getMaxMsgs()).isEqualTo(1000);
      assertThat(after.getDiscardPolicy()).isEqualTo(DiscardPolicy.New);
      assertThat(after.getSubjects()).containsExactlyInAnyOrder(extra, options.subjectPrefix() + ".*");
      assertThat(after.getDuplicateWindow()).isEqualTo(options.duplicateWindow());
    } finally {
      TestNats.deleteStream(options.stream());
      raw.close();
    }
  }

  @Test
  void anExistingStreamWithOtherStorageIsRefusedNotChanged() throws Exception {
    NatsOptions options = TestNats.isolated("mismatch").build(); // memory storage
    Connection raw = TestNats.rawConnection();
    try {
      JetStreamManagement jsm = raw.jetStreamManagement();
      jsm.addStream(StreamConfiguration.builder()
          .name(options.stream())
          .subjects(options.subjectPrefix() + ".*")
          .storageType(StorageType.File)
          .build());
      EventBus b = Nats.jetStreamBus(TestNats.codec(), options);
      open.add(b);
      assertThatThrownBy(() -> b.publish(List.of(TckData.alpha("x"))))
          .isInstanceOf(StreamMismatchException.class)
          .hasMessageContaining(options.stream())
          .hasMessageContaining("storage file")
          .hasMessageContaining("memory");
      assertThat(jsm.getStreamInfo(options.stream()).getConfiguration().getStorageType()).isEqualTo(StorageType.File);
    } finally {
      TestNats.deleteStream(options.stream());
      raw.close();
    }
  }

  @Test
  void queueGroupSubscriptionsWhoseNamesHaveEqualStringHashesKeepTheirOwnConsumers() throws Exception {
    // "Aa" and "BB" have the same String.hashCode, and so do keys built alike from them.
    EventBus b = Nats.jetStreamBus(JacksonCodec.create(
        TckData.registerAll(CodecRegistry.builder()).register("Aa", Alpha.class).register("BB", Alpha.class).build()),
        OPTIONS);
    open.add(b);
    Inbox aa = new Inbox();
    Inbox bb = new Inbox();
    open.add(b.subscribe(Set.of("Aa"), aa, aa.options().withQueueGroup("g")));
    open.add(b.subscribe(Set.of("BB"), bb, bb.options().withQueueGroup("g")));
    Event<?> eventAa = TckData.event("Aa", new Alpha("a"), Instant.now());
    Event<?> eventBb = TckData.event("BB", new Alpha("b"), Instant.now());
    b.publish(List.of(eventAa, eventBb));
    assertThat(aa.next().id()).isEqualTo(eventAa.id());
    assertThat(bb.next().id()).isEqualTo(eventBb.id());
  }

  @Test
  void aRepeatedEventIdInsideTheWindowIsDropped() throws Exception {
    Inbox inbox = new Inbox();
    subscribe(bus, inbox, inbox.options());
    Event<Alpha> once = TckData.alpha("once");
    bus.publish(List.of(once));
    long before = storedMessages();
    bus.publish(List.of(once)); // a retry after an unknown outcome, say
    newBus().publish(List.of(once)); // or from another process
    Event<Alpha> marker = TckData.alpha("marker");
    bus.publish(List.of(marker));
    assertThat(inbox.next(2)).extracting(Event::id).containsExactly(once.id(), marker.id());
    assertThat(storedMessages()).as("stored once, then only the marker").isEqualTo(before + 1);
  }

  @Test
  void aDurableSubscriptionResumesWhereItStopped() throws Exception {
    Durable durable = Durable.named("resume " + UUID.randomUUID());
    Inbox first = new Inbox();
    Subscription s = subscribe(bus, first, first.options().withDurable(durable));
    Event<Alpha> seen = TckData.alpha("seen");
    bus.publish(List.of(seen));
    assertThat(first.next().id()).isEqualTo(seen.id());
    s.close();

    List<Event<?>> whileAway = List.of(TckData.alpha("away 1"), TckData.alpha("away 2"));
    bus.publish(whileAway);

    EventBus restarted = newBus(); // as after a restart of the subscriber's process
    Inbox second = new Inbox();
    subscribe(restarted, second, second.options().withDurable(durable));
    assertThat(second.next(2)).extracting(Event::id)
        .containsExactly(whileAway.get(0).id(), whileAway.get(1).id());
    Event<Alpha> marker = TckData.alpha("marker");
    bus.publish(List.of(marker));
    assertThat(second.next().id()).as("the acknowledged event did not come again").isEqualTo(marker.id());
  }

  @Test
  void anEventWhoseHandlerFailedComesAgainAndIsAcknowledgedOnceHandled() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    BlockingQueue<Event<?>> handled = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    Durable durable = Durable.named("retry-" + UUID.randomUUID()).withAckWait(Duration.ofSeconds(2));
    open.add(bus.subscribe(Set.of(TckData.ALPHA), e -> {
      if (((Alpha) e.data()).text().equals("flaky") && attempts.incrementAndGet() < 3) {
        throw new IllegalStateException("attempt " + attempts.get());
      }
      handled.add(e);
    }, SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(errors::add)));
    Event<Alpha> flaky = TckData.alpha("flaky");
    bus.publish(List.of(flaky));
    Event<?> got = handled.poll(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS);
    assertThat(got).isNotNull();
    assertThat(got.id()).isEqualTo(flaky.id());
    assertThat(attempts.get()).isEqualTo(3);
    assertThat(errors).hasSize(2).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class));
    Event<Alpha> marker = TckData.alpha("marker");
    bus.publish(List.of(marker));
    assertThat(handled.poll(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS).id())
        .as("the handled event was acknowledged: not delivered a fourth time").isEqualTo(marker.id());
  }

  @Test
  void afterTheLastDeliveryTheEventIsReportedAndTheNextOneDelivered() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    BlockingQueue<Event<?>> handled = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    Durable durable = Durable.named("poison-" + UUID.randomUUID()).withMaxDeliveries(3);
    open.add(bus.subscribe(Set.of(TckData.ALPHA), e -> {
      if (((Alpha) e.data()).text().equals("poison")) {
        attempts.incrementAndGet();
        throw new IllegalStateException("cannot handle " + e.id());
      }
      handled.add(e);
    }, SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(errors::add)));
    Event<Alpha> poison = TckData.alpha("poison");
    Event<Alpha> next = TckData.alpha("next");
    bus.publish(List.of(poison, next));
    List<Throwable> reported = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Throwable e = errors.poll(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertThat(e).as("report " + (i + 1)).isNotNull();
      reported.add(e);
    }
    assertThat(reported.subList(0, 2)).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class));
    assertThat(reported.get(2)).isInstanceOfSatisfying(DeliveriesExhaustedException.class, e -> {
      assertThat(e.eventId()).isEqualTo(poison.id());
      assertThat(e.deliveries()).isEqualTo(3);
      assertThat(e).hasCauseInstanceOf(IllegalStateException.class);
    });
    Event<?> got = handled.poll(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS);
    assertThat(got).isNotNull();
    assertThat(got.id()).isEqualTo(next.id());
    Event<Alpha> marker = TckData.alpha("marker");
    bus.publish(List.of(marker));
    assertThat(handled.poll(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS).id()).isEqualTo(marker.id());
    assertThat(attempts.get()).as("no fourth delivery").isEqualTo(3);
  }

  @Test
  void aDurableQueueGroupSharesOneConsumerAndResumes() throws Exception {
    Durable durable = Durable.named("workers-" + UUID.randomUUID());
    String group = "workers";
    Set<UUID> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(40);
    List<Subscription> members = new ArrayList<>();
    List<AtomicInteger> perMember = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      AtomicInteger count = new AtomicInteger();
      perMember.add(count);
      Subscription s = newBus().subscribe(Set.of(TckData.ALPHA), e -> {
        count.incrementAndGet();
        if (!seen.add(e.id())) {
          duplicates.incrementAndGet();
        }
        all.countDown();
      }, SubscriptionOptions.defaults().withDurable(durable).withQueueGroup(group));
      open.add(s);
      members.add(s);
    }
    List<Event<?>> published = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      published.add(TckData.alpha("e" + i));
    }
    bus.publish(published);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Inbox.WAIT_MILLIS);
    while (seen.size() < 20 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(seen).as("the group handled the first events").hasSize(20);
    assertThat(perMember.get(0).get() + perMember.get(1).get()).as("each event to one member").isEqualTo(20);
    // Every member gone for a while: the consumer keeps the events for the group.
    members.forEach(Subscription::close);
    List<Event<?>> later = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      later.add(TckData.alpha("later" + i));
    }
    bus.publish(later);
    AtomicInteger resumed = new AtomicInteger();
    open.add(newBus().subscribe(Set.of(TckData.ALPHA), e -> {
      resumed.incrementAndGet();
      if (!seen.add(e.id())) {
        duplicates.incrementAndGet();
      }
      all.countDown();
    }, SubscriptionOptions.defaults().withDurable(durable).withQueueGroup(group)));
    assertThat(all.await(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
    assertThat(seen).hasSize(40);
    assertThat(duplicates.get()).isZero();
    assertThat(resumed.get()).as("the member that joined later took what was left").isEqualTo(20);
  }

  @Test
  void aSlowSubscriberFallsBehindAndLosesNothing() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Event<?>> got = new LinkedBlockingQueue<>();
    open.add(bus.subscribe(Set.of(TckData.ALPHA), e -> {
      release.await();
      got.add(e);
    }, SubscriptionOptions.defaults().withBufferCapacity(2)));
    List<Event<?>> published = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      published.add(TckData.alpha("e" + i));
    }
    bus.publish(published); // returns although the subscriber holds the first event
    release.countDown();
    List<UUID> received = new ArrayList<>();
    for (int i = 0; i < published.size(); i++) {
      Event<?> e = got.poll(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertThat(e).as("event " + i).isNotNull();
      received.add(e.id());
    }
    assertThat(received).containsExactlyElementsOf(published.stream().map(Event::id).toList());
  }

  @Test
  void aPublishTheStreamDoesNotConfirmFailsWithTheIdsNotConfirmed() throws Exception {
    NatsOptions own = TestNats.isolated("unconfirmed").publishTimeout(Duration.ofSeconds(2)).build();
    EventBus b = Nats.jetStreamBus(TestNats.codec(), own);
    open.add(b);
    b.publish(List.of(TckData.alpha("creates the stream")));
    TestNats.deleteStream(own.stream()); // nothing stores the subjects any more
    List<Event<?>> lost = List.of(TckData.alpha("a"), TckData.alpha("b"));
    long start = System.nanoTime();
    assertThatThrownBy(() -> b.publish(lost))
        .isInstanceOfSatisfying(NatsPublishException.class, e ->
            assertThat(e.eventIds()).containsExactly(lost.get(0).id(), lost.get(1).id()));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }
}
