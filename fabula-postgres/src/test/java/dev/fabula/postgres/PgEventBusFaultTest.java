package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Durable;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventStore;
import dev.fabula.event.OverflowPolicy;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.event.UnsupportedSubscriptionException;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the PostgreSQL bus promises beyond the kit: a subscriber whose connections are killed
 * loses nothing and gets nothing twice; an event committed late with a lower position is still
 * delivered, once and first; a row that came without a notification is found by the poll; events
 * keep their store positions; rows that do not decode are reported; a queue group spread over two
 * buses gets each event once; old rows are deleted; a durable subscription resumes after what it acknowledged.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgEventBusFaultTest {
  private static final TestDatabase DB = TestDatabase.create();
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** A poll so long that within a test only notifications can wake a bus that uses it. */
  private static final Duration NO_POLL = Duration.ofMinutes(10);

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  /** Collects what one subscription receives. */
  private record Inbox(BlockingQueue<Event<?>> events, BlockingQueue<Throwable> errors) {
    Inbox() {
      this(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>());
    }

    Subscription subscribe(EventBus bus, Set<String> names) {
      return bus.subscribe(names, events::add, SubscriptionOptions.defaults().withErrorHandler(errors::add));
    }

    Event<?> next() throws InterruptedException {
      Event<?> e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("an event within " + WAIT).isNotNull();
      return e;
    }

    List<UUID> nextIds(int n) throws InterruptedException {
      List<UUID> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ids.add(next().id());
      }
      return ids;
    }
  }

  private static String busTable(PostgresOptions o) {
    return o.schema() + "." + Schema.busTableName(o);
  }

  /** Inserts an alpha row as another writer would, on {@code c}, without any notification. */
  private static UUID insertSilently(Connection c, PostgresOptions o, String name, String text) throws Exception {
    UUID id = UUID.randomUUID();
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + busTable(o)
        + " (position, id, name, time_ns, revision, data) VALUES (" + Positions.FIRST_POSITION
        + ", ?, ?, 0, 1, jsonb_build_object('text', ?::text))")) {
      ps.setObject(1, id);
      ps.setString(2, name);
      ps.setString(3, text);
      ps.executeUpdate();
    }
    return id;
  }

  @Test
  void aSubscriberWhoseConnectionsAreKilledLosesNothingAndGetsNothingTwice() throws Exception {
    PostgresOptions options = DB.freshTables();
    String app = "pgbus_victim_" + UUID.randomUUID().toString().substring(0, 8);
    try (HikariDataSource victimPool = Postgres.dataSource(urlNamed(app));
        PgEventBus subscriber = new PgEventBus(victimPool, TestDatabase.codec(), options, NO_POLL);
        EventBus publisher = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      Inbox inbox = new Inbox();
      inbox.subscribe(subscriber, Set.of(TckData.ALPHA));
      int firstListener = awaitListener(subscriber, 0);

      List<UUID> published = new ArrayList<>();
      int killed = 0;
      for (int round = 0; round < 3; round++) {
        killed = awaitListener(subscriber, killed); // listening again since the last kill
        for (int i = 0; i < 50; i++) {
          Event<Alpha> e = TckData.alpha("r" + round + " e" + i);
          publisher.publish(List.of(e));
          published.add(e.id());
        }
        // Every backend of the subscriber's pool, the LISTEN connection among them.
        assertThat(terminate(app)).as("backends of the subscriber terminated").isPositive();
        for (int i = 50; i < 80; i++) { // published while the subscriber is cut off
          Event<Alpha> e = TckData.alpha("r" + round + " e" + i);
          publisher.publish(List.of(e));
          published.add(e.id());
        }
      }
      // The poll is ten minutes away: these arrive because the bus listened again and read on
      // from its last position.
      assertThat(inbox.nextIds(published.size())).containsExactlyElementsOf(published);
      assertThat(subscriber.listenerPid()).as("listening on a new connection").isNotIn(0, firstListener);
      Event<Alpha> marker = TckData.alpha("marker");
      publisher.publish(List.of(marker));
      assertThat(inbox.next().id()).as("nothing twice: the marker comes next").isEqualTo(marker.id());
      assertThat(inbox.errors()).isEmpty();
    }
  }

  @Test
  void anEventCommittedLateWithALowerPositionIsDeliveredOnceAndFirst() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options);
        Connection slow = DB.dataSource().getConnection()) {
      Inbox inbox = new Inbox();
      inbox.subscribe(bus, Set.of(TckData.ALPHA));
      slow.setAutoCommit(false);
      UUID early = insertSilently(slow, options, TckData.ALPHA, "early"); // takes the lower position
      Event<Alpha> late = TckData.alpha("late");
      bus.publish(List.of(late)); // committed first, at a higher position
      slow.commit();
      // Were the late event delivered before the early one committed, the early one would have
      // been skipped (the cursor passed its position) or come second.
      assertThat(inbox.nextIds(2)).containsExactly(early, late.id());
      Event<Alpha> marker = TckData.alpha("marker");
      bus.publish(List.of(marker));
      assertThat(inbox.next().id()).isEqualTo(marker.id());
    }
  }

  @Test
  void aRowWithoutANotificationIsFoundByThePoll() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (PgEventBus bus = new PgEventBus(DB.dataSource(), TestDatabase.codec(), options, Duration.ofMillis(200));
        Connection c = DB.dataSource().getConnection()) {
      Inbox inbox = new Inbox();
      inbox.subscribe(bus, Set.of(TckData.ALPHA));
      UUID silent = insertSilently(c, options, TckData.ALPHA, "silent"); // autocommit, no NOTIFY
      Event<?> got = inbox.next();
      assertThat(got.id()).isEqualTo(silent);
      assertThat(got.data()).isEqualTo(new Alpha("silent"));
    }
  }

  @Test
  void aBusOnlyNotifiedNeverSeesARowWithoutANotificationUntilTheNextOne() throws Exception {
    // The counterpart of the poll test: with the poll out of reach, the silent row waits for the
    // next notification, and then comes first (so the test above shows the poll at work).
    PostgresOptions options = DB.freshTables();
    try (PgEventBus bus = new PgEventBus(DB.dataSource(), TestDatabase.codec(), options, NO_POLL);
        Connection c = DB.dataSource().getConnection()) {
      Inbox inbox = new Inbox();
      inbox.subscribe(bus, Set.of(TckData.ALPHA));
      awaitListener(bus, 0);
      UUID silent = insertSilently(c, options, TckData.ALPHA, "silent");
      try (EventBus other = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        Event<Alpha> loud = TckData.alpha("loud");
        other.publish(List.of(loud));
        assertThat(inbox.nextIds(2)).containsExactly(silent, loud.id());
      }
    }
  }

  @Test
  void storedEventsKeepTheirStorePositionAndOthersHaveNone() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      Inbox inbox = new Inbox();
      inbox.subscribe(bus, Set.of(EventBus.ALL));
      UUID agg = UUID.randomUUID();
      List<Event<?>> stored = store.insert(List.of(TckData.beta("order", agg, 1), TckData.beta("order", agg, 2)));
      bus.publish(stored);
      Event<Alpha> loose = TckData.alpha("not stored");
      bus.publish(List.of(loose));
      List<Event<?>> got = List.of(inbox.next(), inbox.next(), inbox.next());
      assertThat(got).extracting(Event::id)
          .containsExactly(stored.get(0).id(), stored.get(1).id(), loose.id());
      assertThat(got).extracting(Event::position)
          .containsExactly(stored.get(0).position(), stored.get(1).position(), 0L);
      assertThat(got.get(1).aggregate()).isEqualTo(stored.get(1).aggregate());
      assertThat(got.get(0).metadata()).isEqualTo(stored.get(0).metadata());
    }
  }

  @Test
  void aRowThatDoesNotDecodeIsReportedAndDeliveryGoesOn() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options);
        Connection c = DB.dataSource().getConnection()) {
      Inbox all = new Inbox();
      all.subscribe(bus, Set.of(EventBus.ALL));
      Inbox alphas = new Inbox();
      alphas.subscribe(bus, Set.of(TckData.ALPHA));
      UUID unknown = insertSilently(c, options, "nobody.knows.this", "x");
      Event<Alpha> fine = TckData.alpha("fine");
      bus.publish(List.of(fine));
      assertThat(all.next().id()).isEqualTo(fine.id());
      assertThat(all.errors().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
          .isInstanceOf(EventDecodingException.class)
          .hasMessageContaining(unknown.toString());
      assertThat(alphas.next().id()).isEqualTo(fine.id());
      assertThat(alphas.errors()).as("not subscribed to that name: not disturbed").isEmpty();
    }
  }

  @Test
  void aDurableQueueGroupIsRefusedAndUseAfterCloseIsRejected() {
    PostgresOptions options = DB.freshTables();
    EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options);
    try {
      assertThatThrownBy(() -> bus.subscribe(Set.of(TckData.ALPHA), e -> {},
              SubscriptionOptions.defaults().withDurable(Durable.named("catalog")).withQueueGroup("workers")))
          .isInstanceOf(UnsupportedSubscriptionException.class)
          .hasMessageContaining("catalog")
          .hasMessageContaining("workers");
    } finally {
      bus.close();
    }
    assertThatThrownBy(() -> bus.publish(List.of(TckData.alpha("late")))).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> bus.subscribe(Set.of(TckData.ALPHA), e -> {},
            SubscriptionOptions.defaults().withDurable(Durable.named("catalog"))))
        .isInstanceOf(ClosedException.class);
  }

  @Test
  void aDurableSubscriptionResumesOnAnotherBusAfterWhatItsHandlerReturnedFor() throws Exception {
    PostgresOptions options = DB.freshTables();
    Durable durable = Durable.named("catalog-" + UUID.randomUUID());
    try (EventBus publisher = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      List<UUID> first = new ArrayList<>();
      try (EventBus process = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        Inbox inbox = new Inbox();
        process.subscribe(Set.of(TckData.ALPHA), inbox.events()::add,
            SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(inbox.errors()::add));
        for (int i = 0; i < 5; i++) {
          Event<Alpha> e = TckData.alpha("before " + i);
          publisher.publish(List.of(e));
          first.add(e.id());
        }
        assertThat(inbox.nextIds(5)).containsExactlyElementsOf(first);
        assertThat(inbox.errors()).isEmpty();
      } // closing waits for the acknowledgements
      List<UUID> missed = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Event<Alpha> e = TckData.alpha("while away " + i);
        publisher.publish(List.of(e, TckData.beta("order", UUID.randomUUID(), 1)));
        missed.add(e.id());
      }
      try (EventBus restarted = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        Inbox inbox = new Inbox();
        restarted.subscribe(Set.of(TckData.ALPHA), inbox.events()::add,
            SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(inbox.errors()::add));
        Event<Alpha> after = TckData.alpha("after");
        publisher.publish(List.of(after));
        missed.add(after.id());
        assertThat(inbox.nextIds(missed.size())).as("only its names, none acknowledged before, in order")
            .containsExactlyElementsOf(missed);
        assertThat(inbox.errors()).isEmpty();
      }
    }
  }

  @Test
  void aDurableSubscriptionGivesUpAfterTheDeliveryLimitReportsItAndDoesNotDeliverItAgain() throws Exception {
    PostgresOptions options = DB.freshTables();
    Durable durable = Durable.named("poisoned-" + UUID.randomUUID()).withMaxDeliveries(2);
    Event<Alpha> poison = TckData.alpha("poison");
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    try (EventBus publisher = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      try (EventBus process = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        Inbox inbox = new Inbox();
        process.subscribe(Set.of(TckData.ALPHA), e -> {
          if (e.id().equals(poison.id())) {
            attempts.incrementAndGet();
            throw new AssertionError("an Error from the handler");
          }
          inbox.events().add(e);
        }, SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(errors::add));
        Event<Alpha> fine = TckData.alpha("fine");
        publisher.publish(List.of(poison, fine));
        assertThat(inbox.next().id()).isEqualTo(fine.id());
      }
      assertThat(attempts.get()).isEqualTo(2);
      assertThat(errors).hasSize(3);
      assertThat(errors.get(2)).hasMessageContaining("gave up").hasMessageContaining(poison.id().toString());
      try (EventBus restarted = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        Inbox inbox = new Inbox();
        restarted.subscribe(Set.of(TckData.ALPHA), inbox.events()::add,
            SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(inbox.errors()::add));
        Event<Alpha> marker = TckData.alpha("marker");
        publisher.publish(List.of(marker));
        assertThat(inbox.next().id()).as("the given-up event was acknowledged").isEqualTo(marker.id());
      }
    }
  }

  @Test
  void aQueueGroupAcrossTwoBusesGetsEachEventOnceWhileOthersGetEveryEvent() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventBus first = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options);
        EventBus second = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options);
        EventBus publisher = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      BlockingQueue<UUID> shared = new LinkedBlockingQueue<>();
      List<List<UUID>> perMember = new ArrayList<>();
      for (EventBus bus : List.of(first, second)) {
        for (int i = 0; i < 2; i++) {
          List<UUID> mine = new java.util.concurrent.CopyOnWriteArrayList<>();
          perMember.add(mine);
          bus.subscribe(Set.of(TckData.ALPHA), e -> {
            mine.add(e.id());
            shared.add(e.id());
          }, SubscriptionOptions.defaults().withQueueGroup("workers"));
        }
      }
      Inbox outside = new Inbox();
      outside.subscribe(first, Set.of(TckData.ALPHA));
      List<UUID> published = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        Event<Alpha> e = TckData.alpha("job " + i);
        publisher.publish(List.of(e));
        published.add(e.id());
      }
      Event<Alpha> marker = TckData.alpha("marker");
      publisher.publish(List.of(marker));
      published.add(marker.id());

      assertThat(outside.nextIds(published.size())).as("outside the group: every event, in order")
          .containsExactlyElementsOf(published);
      List<UUID> got = new ArrayList<>();
      for (int i = 0; i < published.size(); i++) {
        UUID id = shared.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(id).as("group delivery " + i).isNotNull();
        got.add(id);
      }
      assertThat(got).as("each event to one member of the group").containsExactlyInAnyOrderElementsOf(published);
      // One of the two buses took at least half; it gave its two members turns.
      boolean bothMembersOfABusServed =
          !perMember.get(0).isEmpty() && !perMember.get(1).isEmpty()
              || !perMember.get(2).isEmpty() && !perMember.get(3).isEmpty();
      assertThat(bothMembersOfABusServed).as("members of one bus share its events").isTrue();
      Event<Alpha> last = TckData.alpha("last");
      publisher.publish(List.of(last));
      assertThat(shared.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("nothing twice: the last comes next")
          .isEqualTo(last.id());
    }
  }

  @Test
  void rowsOlderThanTheRetentionAreDeleted() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      bus.publish(List.of(TckData.alpha("fresh")));
    }
    DB.exec("UPDATE " + busTable(options) + " SET published_at = now() - interval '2 days'");
    try (Connection c = DB.dataSource().getConnection()) {
      UUID fresh = insertSilently(c, options, TckData.ALPHA, "fresh too");
      try (EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        assertThat(bus.toString()).contains(Schema.busTableName(options)); // its pump prunes at start
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<UUID> left = ids(c, options);
        while (left.size() > 1 && System.nanoTime() < deadline) {
          Thread.sleep(20);
          left = ids(c, options);
        }
        assertThat(left).as("a new bus deletes the old row, keeps the fresh one").containsExactly(fresh);
      }
    }
  }

  @Test
  void aBlockSubscriberWhoseHandlerPublishesAReplyDoesNotDeadlock() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      Inbox replies = new Inbox();
      replies.subscribe(bus, Set.of(TckData.BETA));
      BlockingQueue<UUID> handled = new LinkedBlockingQueue<>();
      BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
      bus.subscribe(Set.of(TckData.ALPHA), e -> {
        bus.publish(List.of(TckData.beta("reply", e.id(), 1))); // the command handler's reply
        handled.add(e.id());
      }, SubscriptionOptions.defaults().withBufferCapacity(1).withOverflowPolicy(OverflowPolicy.BLOCK)
          .withErrorHandler(errors::add));
      List<Event<?>> batch = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        batch.add(TckData.alpha("command " + i));
      }
      Thread publisher = Thread.ofVirtual().start(() -> bus.publish(batch));
      List<UUID> sent = batch.stream().map(Event::id).toList();
      List<UUID> got = new ArrayList<>();
      for (int i = 0; i < sent.size(); i++) {
        UUID id = handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(id).as("command " + i + " handled within " + WAIT + " (no deadlock)").isNotNull();
        got.add(id);
      }
      assertThat(got).containsExactlyElementsOf(sent);
      List<UUID> replyTo = new ArrayList<>();
      for (int i = 0; i < sent.size(); i++) {
        replyTo.add(replies.next().aggregate().orElseThrow().id());
      }
      assertThat(replyTo).as("every reply arrives").containsExactlyElementsOf(sent);
      assertThat(publisher.join(WAIT)).as("the publisher returned").isTrue();
      assertThat(errors).isEmpty();
    }
  }

  @Test
  void manyConcurrentPublishersShareTransactionsInsteadOfQueueingForConnections() throws Exception {
    PostgresOptions options = DB.freshTables();
    int publishers = 2_000;
    try (HikariDataSource pool = Postgres.dataSource(TestDatabase.url())) {
      // The listener holds one connection for good; a publish each on its own connection would
      // leave most of 2,000 publishers waiting past this short timeout.
      pool.getHikariConfigMXBean().setMaximumPoolSize(4);
      pool.getHikariConfigMXBean().setConnectionTimeout(1_000);
      PgEventBus bus = new PgEventBus(pool, TestDatabase.codec(), options, NO_POLL);
      try {
        var received = ConcurrentHashMap.<UUID>newKeySet();
        bus.subscribe(Set.of(TckData.ALPHA), e -> received.add(e.id()));
        var published = ConcurrentHashMap.<UUID>newKeySet();
        var start = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
          List<Future<?>> calls = new ArrayList<>();
          for (int i = 0; i < publishers; i++) {
            Event<Alpha> e = TckData.alpha("publisher " + i);
            published.add(e.id());
            calls.add(threads.submit(() -> {
              start.await();
              bus.publish(List.of(e));
              return null;
            }));
          }
          start.countDown();
          for (Future<?> call : calls) {
            call.get(); // none failed (a pool timeout would surface here)
          }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (received.size() < publishers && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(received).isEqualTo(published);
        try (Connection c = pool.getConnection();
            PreparedStatement ps = c.prepareStatement(
                "SELECT count(*), count(DISTINCT position / " + Positions.EVENTS_PER_TRANSACTION + ") FROM "
                    + busTable(options));
            ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getLong(1)).isEqualTo(publishers);
          assertThat(rs.getLong(2)).as("transactions that wrote the publishes").isLessThan(publishers);
        }
      } finally {
        bus.close();
      }
    }
  }

  @Test
  void aPublishTheServerRefusesFailsAloneWhilePublishesGroupedWithItSucceed() throws Exception {
    // A codec that writes one payload as something jsonb refuses: that publish, not the others
    // written in the same statement, must fail.
    Codec json = TestDatabase.codec();
    Codec poisoning = new Codec() {
      @Override
      public CodecRegistry registry() {
        return json.registry();
      }

      @Override
      public byte[] encode(String name, Object data) {
        return data instanceof Alpha a && a.text().equals("poison")
            ? "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)
            : json.encode(name, data);
      }

      @Override
      public Object decode(String name, int revision, byte[] bytes) {
        return json.decode(name, revision, bytes);
      }
    };
    PostgresOptions options = DB.freshTables();
    EventBus bus = Postgres.eventBus(DB.dataSource(), poisoning, options);
    try {
      var received = ConcurrentHashMap.<UUID>newKeySet();
      bus.subscribe(Set.of(TckData.ALPHA), e -> received.add(e.id()));
      for (int round = 0; round < 5; round++) {
        var published = ConcurrentHashMap.<UUID>newKeySet();
        var start = new CountDownLatch(1);
        Future<?> poison;
        List<Future<?>> good = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
          Event<Alpha> bad = TckData.alpha("poison");
          poison = threads.submit(() -> {
            start.await();
            bus.publish(List.of(bad));
            return null;
          });
          for (int i = 0; i < 200; i++) {
            Event<Alpha> e = TckData.alpha("good " + i);
            published.add(e.id());
            good.add(threads.submit(() -> {
              start.await();
              bus.publish(List.of(e));
              return null;
            }));
          }
          start.countDown();
          for (Future<?> f : good) {
            f.get(); // none failed for the poisoned publish
          }
          assertThatThrownBy(poison::get).hasCauseInstanceOf(PostgresException.class);
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!received.containsAll(published) && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(received).containsAll(published);
      }
    } finally {
      bus.close();
    }
  }

  @Test
  void aClosedBusGivesItsListenConnectionBackNoLongerListening() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (HikariDataSource pool = Postgres.dataSource(TestDatabase.url())) {
      pool.getHikariConfigMXBean().setMaximumPoolSize(2);
      PgEventBus bus = new PgEventBus(pool, TestDatabase.codec(), options, NO_POLL);
      awaitListener(bus, 0);
      bus.close();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (bus.listenerPid() != 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(bus.listenerPid()).as("the listener gave its connection back").isZero();
      try (Connection a = pool.getConnection(); Connection b = pool.getConnection()) {
        for (Connection c : List.of(a, b)) {
          try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_listening_channels()");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(1)).as("channels a pooled connection listens on").isZero();
          }
        }
      }
    }
  }

  @Test
  void aBusOnATableWithALongNameDeliversWhatItPublishes() throws Exception {
    PostgresOptions fresh = DB.freshTables();
    PostgresOptions options = PostgresOptions.builder()
        .schema(fresh.schema())
        .eventsTable(fresh.eventsTable() + "_with_a_name_long_enough_to_pass_a_channel_limit")
        .build();
    assertThat((options.schema() + "." + Schema.busTableName(options)).length()).isGreaterThan(63);
    try (EventBus bus = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      Inbox inbox = new Inbox();
      inbox.subscribe(bus, Set.of(TckData.ALPHA));
      Event<Alpha> e = TckData.alpha("long");
      bus.publish(List.of(e));
      assertThat(inbox.next().id()).isEqualTo(e.id());
      assertThat(inbox.errors()).isEmpty();
    }
  }

  @Test
  void theRetentionKeepsWhatADurableSubscriptionHasNotAcknowledged() throws Exception {
    PostgresOptions options = DB.freshTables();
    Durable durable = Durable.named("away-" + UUID.randomUUID());
    Event<Alpha> seen = TckData.alpha("seen");
    List<UUID> missed = new ArrayList<>();
    try (EventBus publisher = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      try (EventBus process = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        Inbox inbox = new Inbox();
        process.subscribe(Set.of(TckData.ALPHA), inbox.events()::add,
            SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(inbox.errors()::add));
        publisher.publish(List.of(seen));
        assertThat(inbox.next().id()).isEqualTo(seen.id());
      } // closing waits for the acknowledgement
      for (int i = 0; i < 3; i++) {
        Event<Alpha> e = TckData.alpha("while away " + i);
        publisher.publish(List.of(e));
        missed.add(e.id());
      }
    }
    DB.exec("UPDATE " + busTable(options) + " SET published_at = now() - interval '2 days'");
    try (Connection c = DB.dataSource().getConnection();
        EventBus restarted = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      List<UUID> left = ids(c, options);
      while (left.contains(seen.id()) && System.nanoTime() < deadline) { // its pump prunes at start
        Thread.sleep(20);
        left = ids(c, options);
      }
      assertThat(left).as("the acknowledged row is deleted, the rest kept").containsExactlyElementsOf(missed);
      Inbox inbox = new Inbox();
      restarted.subscribe(Set.of(TckData.ALPHA), inbox.events()::add,
          SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(inbox.errors()::add));
      assertThat(inbox.nextIds(missed.size())).as("resumes without a gap").containsExactlyElementsOf(missed);
      assertThat(inbox.errors()).isEmpty();
    }
  }

  @Test
  void closingADurableSubscriptionLetsAHandlerAboutToReturnFinishAndStoresItsPosition() throws Exception {
    PostgresOptions options = DB.freshTables();
    Durable durable = Durable.named("brief-" + UUID.randomUUID());
    Event<Alpha> first = TckData.alpha("handled while closing");
    try (EventBus publisher = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
      try (EventBus process = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        CountDownLatch started = new CountDownLatch(1);
        BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        Subscription sub = process.subscribe(Set.of(TckData.ALPHA), e -> {
          started.countDown();
          Thread.sleep(50); // a short handler: close() gives it time to return rather than interrupt it
        }, SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(errors::add));
        publisher.publish(List.of(first));
        assertThat(started.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the handler started").isTrue();
        sub.close(); // waits for the handler and its acknowledgement
        assertThat(errors).isEmpty();
      }
      Event<Alpha> next = TckData.alpha("next");
      publisher.publish(List.of(next));
      try (EventBus restarted = Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), options)) {
        Inbox inbox = new Inbox();
        restarted.subscribe(Set.of(TckData.ALPHA), inbox.events()::add,
            SubscriptionOptions.defaults().withDurable(durable).withErrorHandler(inbox.errors()::add));
        assertThat(inbox.next().id()).as("the handled event is not delivered again").isEqualTo(next.id());
        assertThat(inbox.errors()).isEmpty();
      }
    }
  }

  private static List<UUID> ids(Connection c, PostgresOptions o) throws Exception {
    List<UUID> ids = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + busTable(o) + " ORDER BY position");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getObject(1, UUID.class));
      }
    }
    return ids;
  }

  /** Waits until the bus listens on a connection other than {@code not}; returns its backend pid. */
  private static int awaitListener(PgEventBus bus, int not) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      int pid = bus.listenerPid();
      if (pid != 0 && pid != not) {
        return pid;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the bus did not listen within " + WAIT);
  }

  /** Terminates every backend of application {@code app}; returns how many. */
  private static int terminate(String app) throws Exception {
    try (Connection c = DB.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, app);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** The test server's URL with the connections named {@code app}, to find them in pg_stat_activity. */
  private static String urlNamed(String app) {
    String url = TestDatabase.url();
    return url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + app;
  }
}
