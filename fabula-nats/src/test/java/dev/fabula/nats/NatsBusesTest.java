package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import io.nats.client.Connection;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What both NATS buses promise beyond the kit: routing by names that hold subject syntax, bad
 * messages reported while the subscription goes on, queue groups sharing events, and the
 * connection's failures; core NATS refuses durable subscriptions.
 */
class NatsBusesTest {
  private static final NatsOptions OPTIONS = TestNats.isolated("buses").build();
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void server() {
    TestNats.requireServer();
  }

  @AfterAll
  static void dropStream() {
    TestNats.deleteStream(OPTIONS.stream());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  static Stream<String> buses() {
    return Stream.of("core", "jetstream");
  }

  private static EventBus create(String kind, Codec codec, NatsOptions options) {
    return kind.equals("core") ? Nats.eventBus(codec, options) : Nats.jetStreamBus(codec, options);
  }

  private EventBus bus(String kind) {
    return bus(kind, TestNats.codec());
  }

  private EventBus bus(String kind, Codec codec) {
    EventBus bus = create(kind, codec, OPTIONS);
    open.add(bus);
    return bus;
  }

  private Subscription subscribe(EventBus bus, Set<String> names, Inbox inbox, SubscriptionOptions options) {
    Subscription s = bus.subscribe(names, inbox, options);
    open.add(s);
    return s;
  }

  /** Names that hold subject syntax: each must match only itself. */
  private static final List<String> TRICKY = List.of("x", "x.y", "x.*", "x.>", "*.y", "x y", "x\ty", "ü.x", "x_2Ey");

  @ParameterizedTest(name = "{0}")
  @MethodSource("buses")
  void aNameWithSubjectSyntaxMatchesOnlyItself(String label) throws Exception {
    CodecRegistry.Builder registry = TckData.registerAll(CodecRegistry.builder());
    TRICKY.forEach(n -> registry.register(n, Alpha.class));
    EventBus bus = bus(label, JacksonCodec.create(registry.build()));
    List<Inbox> inboxes = new ArrayList<>();
    for (String name : TRICKY) {
      Inbox inbox = new Inbox();
      subscribe(bus, Set.of(name), inbox, inbox.options());
      inboxes.add(inbox);
    }
    Inbox all = new Inbox();
    subscribe(bus, Set.of(EventBus.ALL), all, all.options());
    List<Event<?>> published = new ArrayList<>();
    for (String name : TRICKY) {
      published.add(TckData.event(name, new Alpha(name), Instant.now()));
    }
    bus.publish(published);
    for (int i = 0; i < TRICKY.size(); i++) {
      assertThat(inboxes.get(i).next().id()).as(TRICKY.get(i)).isEqualTo(published.get(i).id());
    }
    assertThat(all.next(TRICKY.size())).as("the wildcard sees each event once").extracting(Event::id)
        .containsExactlyElementsOf(published.stream().map(Event::id).toList());
    // Nothing else arrived: each name's next event is the one published after, to its own name.
    List<Event<?>> second = new ArrayList<>();
    for (String name : TRICKY) {
      second.add(TckData.event(name, new Alpha(name + " again"), Instant.now()));
    }
    bus.publish(second);
    for (int i = 0; i < TRICKY.size(); i++) {
      assertThat(inboxes.get(i).next().id()).as(TRICKY.get(i)).isEqualTo(second.get(i).id());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buses")
  void aBadMessageIsReportedWithSubjectAndSizeAndDeliveryGoesOn(String label) throws Exception {
    EventBus bus = bus(label);
    Inbox inbox = new Inbox();
    subscribe(bus, Set.of(TckData.ALPHA), inbox, inbox.options());
    String subject = OPTIONS.subjectPrefix() + "." + Subjects.token(TckData.ALPHA);
    Connection raw = TestNats.rawConnection();
    try {
      byte[] notJson = "not an envelope".getBytes(StandardCharsets.UTF_8);
      byte[] v9 = "{\"v\":9}".getBytes(StandardCharsets.UTF_8);
      if (label.equals("core")) {
        raw.publish(subject, notJson);
        raw.publish(subject, v9);
        raw.flush(Duration.ofSeconds(5));
      } else {
        raw.jetStream().publish(subject, notJson);
        raw.jetStream().publish(subject, v9);
      }
    } finally {
      raw.close();
    }
    Event<Alpha> good = TckData.alpha("good");
    bus.publish(List.of(good));
    assertThat(inbox.error()).isInstanceOfSatisfying(BadMessageException.class, e -> {
      assertThat(e.subject()).isEqualTo(subject);
      assertThat(e.size()).isEqualTo(15);
    });
    assertThat(inbox.error()).isInstanceOf(BadMessageException.class).hasMessageContaining("version 9");
    assertThat(inbox.next().id()).isEqualTo(good.id());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buses")
  void anEnvelopeNamingAnotherEventThanItsSubjectIsABadMessage(String label) throws Exception {
    EventBus bus = bus(label);
    Inbox inbox = new Inbox();
    subscribe(bus, Set.of(TckData.ALPHA), inbox, inbox.options());
    String subject = OPTIONS.subjectPrefix() + "." + Subjects.token(TckData.ALPHA);
    // A well-formed envelope of another event, sent on the subject of tck.alpha.
    byte[] beta = new Envelope(TestNats.codec()).encode(TckData.beta("b", UUID.randomUUID(), 1));
    Connection raw = TestNats.rawConnection();
    try {
      if (label.equals("core")) {
        raw.publish(subject, beta);
        raw.flush(Duration.ofSeconds(5));
      } else {
        raw.jetStream().publish(subject, beta);
      }
    } finally {
      raw.close();
    }
    Event<Alpha> good = TckData.alpha("good");
    bus.publish(List.of(good));
    assertThat(inbox.error()).isInstanceOfSatisfying(BadMessageException.class,
        e -> assertThat(e.subject()).isEqualTo(subject)).hasMessageContaining("tck.beta");
    assertThat(inbox.next().id()).as("the other event was not delivered").isEqualTo(good.id());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buses")
  void anEventNamedLikeTheWildcardIsPublishedOnItsOwnSubject(String label) throws Exception {
    EventBus bus = bus(label, JacksonCodec.create(
        TckData.registerAll(CodecRegistry.builder()).register("*", Alpha.class).build()));
    Inbox star = new Inbox();
    subscribe(bus, Set.of(TckData.ALPHA), star, star.options());
    Connection raw = TestNats.rawConnection();
    try {
      BlockingQueue<String> subjects = new LinkedBlockingQueue<>();
      raw.createDispatcher(m -> subjects.add(m.getSubject())).subscribe(OPTIONS.subjectPrefix() + ".>");
      raw.flush(Duration.ofSeconds(5));
      Event<?> named = TckData.event("*", new Alpha("star"), Instant.now());
      Event<Alpha> marker = TckData.alpha("marker");
      bus.publish(List.of(named, marker));
      assertThat(star.next().id()).as("the alpha subscriber did not get the \"*\" event").isEqualTo(marker.id());
      assertThat(subjects.poll(Inbox.WAIT_MILLIS, TimeUnit.MILLISECONDS))
          .isEqualTo(OPTIONS.subjectPrefix() + "._2A");
    } finally {
      raw.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buses")
  void queueGroupMembersShareTheEventsAndOthersGetThemAll(String label) throws Exception {
    EventBus bus = bus(label);
    List<Inbox> members = new ArrayList<>();
    String group = "workers " + UUID.randomUUID(); // a space and dashes: mapped to one token
    for (int i = 0; i < 3; i++) {
      Inbox m = new Inbox();
      // Each member on a bus of its own, as in separate processes.
      subscribe(i == 0 ? bus : bus(label), Set.of(TckData.ALPHA), m, m.options().withQueueGroup(group));
      members.add(m);
    }
    Inbox outsider = new Inbox();
    subscribe(bus, Set.of(TckData.ALPHA), outsider, outsider.options());
    List<Event<?>> published = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      published.add(TckData.alpha("e" + i));
    }
    bus.publish(published);
    assertThat(outsider.next(60)).extracting(Event::id)
        .containsExactlyElementsOf(published.stream().map(Event::id).toList());
    List<UUID> shared = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofMillis(Inbox.WAIT_MILLIS).toNanos();
    while (shared.size() < 60 && System.nanoTime() < deadline) {
      for (Inbox m : members) {
        Event<?> e = m.events.poll();
        if (e != null) {
          shared.add(e.id());
        }
      }
      Thread.onSpinWait();
    }
    assertThat(shared).as("each event went to one member").hasSize(60).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(published.stream().map(Event::id).toList());
    // And not to a second member later: a marker to the group arrives after everything else.
    Event<Alpha> marker = TckData.alpha("marker");
    bus.publish(List.of(marker));
    Set<UUID> after = new HashSet<>();
    deadline = System.nanoTime() + Duration.ofMillis(Inbox.WAIT_MILLIS).toNanos();
    while (!after.contains(marker.id()) && System.nanoTime() < deadline) {
      for (Inbox m : members) {
        Event<?> e = m.events.poll();
        if (e != null) {
          after.add(e.id());
        }
      }
    }
    assertThat(after).containsExactly(marker.id());
  }

  @Test
  void concurrentFlushesOfOneConnectionAreEachConfirmed() throws Exception {
    // subscribe() (core) and close() (JetStream) flush to know the server has what they sent.
    // jnats drops a connection with more than two flush pings outstanding ("Max outgoing Ping
    // count exceeded"): 400 concurrent raw flushes broke it, and the flushes failed. The bus
    // flushes one at a time per connection.
    NatsBus bus = (NatsBus) bus("core");
    int flushes = 400;
    var start = new java.util.concurrent.CountDownLatch(1);
    try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<Boolean>> confirmed = new ArrayList<>();
      for (int i = 0; i < flushes; i++) {
        confirmed.add(threads.submit(() -> {
          start.await();
          return bus.flush(Duration.ofSeconds(10));
        }));
      }
      start.countDown();
      for (var f : confirmed) {
        assertThat(f.get()).as("a flush on a connected connection is confirmed").isTrue();
      }
    }
    assertThat(bus.connection.getStatistics().getReconnects()).as("reconnects: the connection held").isZero();
  }

  @Test
  void coreNatsRefusesADurableSubscription() {
    EventBus bus = bus("core");
    assertThatThrownBy(() -> bus.subscribe(Set.of(TckData.ALPHA), e -> {},
            SubscriptionOptions.defaults().withDurable(Durable.named("billing"))))
        .isInstanceOf(UnsupportedSubscriptionException.class)
        .hasMessageContaining("billing")
        .hasMessageContaining("JetStream");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buses")
  void anUnreachableServerFailsClearlyWithinTheConnectTimeout(String label) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // free once closed: nothing listens there
    }
    NatsOptions nowhere = NatsOptions.builder().url("nats://127.0.0.1:" + port)
        .connectTimeout(Duration.ofSeconds(2)).build();
    long start = System.nanoTime();
    assertThatThrownBy(() -> create(label, TestNats.codec(), nowhere))
        .isInstanceOf(NatsConnectionException.class)
        .hasMessageContaining("127.0.0.1:" + port);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buses")
  void aGivenConnectionIsUsedAndLeftOpen(String label) throws Exception {
    Connection raw = TestNats.rawConnection();
    try {
      NatsOptions given = NatsOptions.builder().connection(raw)
          .subjectPrefix(OPTIONS.subjectPrefix()).stream(OPTIONS.stream())
          .storage(io.nats.client.api.StorageType.Memory).build();
      EventBus bus = create(label, TestNats.codec(), given);
      EventBus second = create(label, TestNats.codec(), given);
      Inbox inbox = new Inbox();
      Subscription s = bus.subscribe(Set.of(TckData.ALPHA), inbox, inbox.options());
      Event<Alpha> a = TckData.alpha("a");
      bus.publish(List.of(a));
      assertThat(inbox.next().id()).isEqualTo(a.id());
      bus.close();
      assertThat(s.isActive()).isFalse();
      assertThat(raw.getStatus()).as("the bus leaves a given connection open").isEqualTo(Connection.Status.CONNECTED);
      raw.close();
      assertThatThrownBy(() -> second.publish(List.of(TckData.alpha("late"))))
          .isInstanceOf(ClosedException.class);
      second.close();
    } finally {
      raw.close();
    }
  }
}
