package dev.fabula.tck.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.InvalidEventException;
import dev.fabula.event.InvalidQueryException;
import dev.fabula.event.Metadata;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.spi.UuidV7;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import dev.fabula.tck.TckData.Beta;
import dev.fabula.tck.TckData.Gamma;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance suite for {@link EventStore}s. Extend it, implement {@link #newStore()}, and every
 * promise of {@code EventStore} is checked: round trips to the nanosecond, every query filter and
 * their combinations, sorting, limits, atomic batches, duplicate ids and versions, deletion,
 * streaming of large results, concurrent writers on one aggregate, and the global position torture
 * test (concurrent writers, a concurrent catch-up reader that must see every event exactly once).
 *
 * <p>The lifecycle is the suite's: each test gets a fresh, empty store from {@link #newStore()} and
 * the suite closes it afterwards. A backend supplies only the factory and, through the constructor,
 * its {@link Capabilities}; it cannot replace the set-up, reach the store but through {@link
 * #store()}, or weaken a test (the tests are package-private, out of reach of a backend's package).
 * Stored data uses the types of {@link TckData}; persistent backends register them in their codec.
 */
public abstract class EventStoreConformance {
  /**
   * What the backend under test does, and how hard the concurrency and streaming tests push it.
   *
   * @param encodesPayloads whether the store encodes payloads, and so refuses an encoded payload
   *     beyond {@link #MAX_PAYLOAD_BYTES} or with a NUL character; a store that keeps payloads as
   *     objects (the in-memory one) says {@code false}, and the kit then checks that it stores such
   *     payloads and reads them back intact
   * @param tortureWriters writer threads of the torture test, at least {@link
   *     #MIN_TORTURE_WRITERS}; backends with slow commits may lower it to that
   * @param tortureBatchesPerWriter batches each torture writer inserts, at least {@link
   *     #MIN_TORTURE_BATCHES_PER_WRITER}
   * @param largeResultSize events in the large streamed result, at least {@link
   *     #MIN_LARGE_RESULT_SIZE}
   * @param readsTrailWrites whether the store's store-following reads (by name or position) may
   *     trail its writes: a gap-safe horizon that waits for older writes anywhere (PostgreSQL's
   *     waits for every older transaction in the cluster, ADR 0005; MongoDB's for holes below a
   *     write). Then every insert of the kit waits, boundedly, until such a read sees it, so that
   *     another build's open transaction on a shared server cannot hide a test's write; a store
   *     that says {@code false} is held to reads that see every write at once
   */
  public record Capabilities(
      boolean encodesPayloads,
      int tortureWriters,
      int tortureBatchesPerWriter,
      int largeResultSize,
      boolean readsTrailWrites) {
    /** The fewest torture writers: fewer would rarely race for a position at all. */
    public static final int MIN_TORTURE_WRITERS = 4;

    /** The fewest batches per torture writer: fewer would end before the writers overlap. */
    public static final int MIN_TORTURE_BATCHES_PER_WRITER = 20;

    /** The smallest large result: smaller would fit in one fetch of any store. */
    public static final int MIN_LARGE_RESULT_SIZE = 1_000;

    /**
     * Checks the sizes against their floors, so that no backend makes the torture and streaming
     * tests trivial.
     *
     * @throws IllegalArgumentException naming the floor a size is below
     */
    public Capabilities {
      atLeast("torture writers", tortureWriters, MIN_TORTURE_WRITERS);
      atLeast(
          "torture batches per writer", tortureBatchesPerWriter, MIN_TORTURE_BATCHES_PER_WRITER);
      atLeast("the large result size", largeResultSize, MIN_LARGE_RESULT_SIZE);
    }

    private static void atLeast(String what, int value, int floor) {
      if (value < floor) {
        throw new IllegalArgumentException(
            what + " must be at least " + floor + " (the kit's floor), not " + value);
      }
    }

    /** A store that encodes payloads, tortured by 8 writers of 150 batches, streaming 20,000 events. */
    public static Capabilities defaults() {
      return new Capabilities(true, 8, 150, 20_000, false);
    }

    /** These capabilities with {@link #encodesPayloads()} set to {@code encodes}. */
    public Capabilities withPayloadEncoding(boolean encodes) {
      return new Capabilities(encodes, tortureWriters, tortureBatchesPerWriter, largeResultSize, readsTrailWrites);
    }

    /** These capabilities with the torture test's {@code writers} and {@code batchesPerWriter}. */
    public Capabilities withTorture(int writers, int batchesPerWriter) {
      return new Capabilities(encodesPayloads, writers, batchesPerWriter, largeResultSize, readsTrailWrites);
    }

    /** These capabilities with a large streamed result of {@code events} events. */
    public Capabilities withLargeResultSize(int events) {
      return new Capabilities(encodesPayloads, tortureWriters, tortureBatchesPerWriter, events, readsTrailWrites);
    }

    /** These capabilities with {@link #readsTrailWrites()} set to {@code trails}. */
    public Capabilities withReadsTrailingWrites(boolean trails) {
      return new Capabilities(encodesPayloads, tortureWriters, tortureBatchesPerWriter, largeResultSize, trails);
    }
  }

  /** How long a test waits for a write to become visible to store-following reads. */
  private static final Duration VISIBILITY_WAIT = Duration.ofSeconds(30);

  private final Capabilities capabilities;
  private @Nullable EventStore store;

  /** A suite for a backend with {@link Capabilities#defaults()}. */
  protected EventStoreConformance() {
    this(Capabilities.defaults());
  }

  /** A suite for a backend with {@code capabilities}. */
  protected EventStoreConformance(Capabilities capabilities) {
    this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
  }

  /** A new, empty store whose codec knows {@link TckData#registry()}; the suite closes it. */
  protected abstract EventStore newStore();

  /** The store under test, fresh for each test. */
  protected final EventStore store() {
    return Objects.requireNonNull(store, "the store under test exists only while a test runs");
  }

  /**
   * Inserts through the store under test; with {@link Capabilities#readsTrailWrites()}, then waits until
   * store-following reads see the batch. The tests that assert reads of given events and
   * aggregates see a write at once, and the torture test's writers, call {@code store.insert}.
   */
  private List<Event<?>> insert(List<? extends Event<?>> events) {
    List<Event<?>> stored = store.insert(events);
    if (capabilities.readsTrailWrites()) {
      awaitVisible(stored.stream().mapToLong(Event::position).max().orElse(0));
    }
    return stored;
  }

  @BeforeEach
  final void openStore() {
    store = Objects.requireNonNull(newStore(), "newStore() returned null");
  }

  @AfterEach
  final void closeStore() {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  // ---------------------------------------------------------------- round trips

  @Test
  void findsAStoredEventWithEveryFieldIntact() {
    UUID agg = UUID.randomUUID();
    Event<Gamma> e =
        Event.of(
            UuidV7.next(),
            TckData.GAMMA,
            Instant.parse("2026-11-25T10:15:30.123456789Z"),
            new Gamma("g", Instant.parse("2001-02-03T04:05:06.000000007Z")),
            new AggregateRef("order", agg, 1),
            Metadata.of(Metadata.CORRELATION_ID, "corr-1").with(Metadata.CAUSATION_ID, "cause-1").with("user", "ana"),
            0);
    List<Event<?>> stored = insert(List.of(e));

    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).position()).isPositive();
    Event<?> found = store.find(e.id()).orElseThrow();
    assertSameEvent(found, e);
    assertThat(found.position()).isEqualTo(stored.get(0).position());
  }

  @Test
  void findsNothingForAnUnknownId() {
    Event<Alpha> known = TckData.alpha("x");
    insert(List.of(known));
    assertThat(store.find(UUID.randomUUID())).isEmpty();
    assertThat(store.find(known.id())).as("the stored event, beside the unknown one").isPresent();
  }

  @Test
  void keepsEventsWithoutAggregate() {
    Event<Alpha> e = TckData.alpha("free");
    insert(List.of(e));
    Event<?> found = store.find(e.id()).orElseThrow();
    assertThat(found.aggregate()).isEmpty();
    assertThat(found.data()).isEqualTo(new Alpha("free"));
  }

  @Test
  void roundTripsTimesToTheNanosecond() {
    List<Instant> times =
        List.of(
            Instant.parse("2026-11-25T10:15:30.123456789Z"),
            Instant.parse("1970-01-01T00:00:00.000000001Z"),
            Instant.parse("1969-12-31T23:59:59.999999999Z"),
            Instant.parse("2262-04-11T23:47:16.854775807Z"),
            Instant.parse("2026-01-01T00:00:00Z"));
    List<Event<?>> events = new ArrayList<>();
    for (Instant t : times) {
      events.add(TckData.event(TckData.ALPHA, new Alpha(t.toString()), t));
    }
    insert(events);
    for (Event<?> e : events) {
      assertThat(store.find(e.id()).orElseThrow().time()).isEqualTo(e.time());
    }
    for (Instant t : times) {
      try (Stream<Event<?>> s = store.query(EventQuery.builder().timeExact(t).build())) {
        assertThat(s.map(Event::time)).containsExactly(t);
      }
    }
  }

  @Test
  void assignsIncreasingPositionsInInsertOrder() {
    List<Event<?>> first = insert(List.of(TckData.alpha("a"), TckData.alpha("b")));
    List<Event<?>> second = insert(List.of(TckData.alpha("c")));
    List<Long> positions = new ArrayList<>();
    first.forEach(e -> positions.add(e.position()));
    second.forEach(e -> positions.add(e.position()));
    assertThat(positions).isSorted().doesNotHaveDuplicates().allMatch(p -> p > 0);
    awaitVisible(positions.get(2));
    assertThat(store.lastPosition()).isEqualTo(positions.get(2));
    try (Stream<Event<?>> s = store.query(EventQuery.all())) {
      assertThat(s.map(Event::position)).containsExactlyElementsOf(positions);
    }
  }

  @Test
  void lastPositionIsZeroWhenEmpty() {
    assertThat(store.lastPosition()).isZero();
    long first = insert(List.of(TckData.alpha("first"))).get(0).position();
    awaitVisible(first);
    assertThat(store.lastPosition()).as("once not empty").isPositive().isEqualTo(first);
  }

  @Test
  void insertsAnEmptyBatchAsANoOp() {
    assertThat(insert(List.of())).isEmpty();
    assertThat(count(EventQuery.all())).isZero();
    Event<Alpha> before = TckData.alpha("before");
    long last = insert(List.of(before)).get(0).position();
    awaitVisible(last);
    assertThat(insert(List.of())).isEmpty();
    assertThat(store.lastPosition()).isEqualTo(last);
    assertThat(ids(EventQuery.all())).containsExactly(before.id());
  }

  // ---------------------------------------------------------------- writes that must fail whole

  @Test
  void rejectsAVersionAlreadyTakenAndStoresNothingOfTheBatch() {
    UUID id = UUID.randomUUID();
    insert(List.of(TckData.beta("order", id, 1), TckData.beta("order", id, 2)));
    Event<Alpha> bystander = TckData.alpha("same batch");
    UUID other = UUID.randomUUID();

    assertThatThrownBy(
            () ->
                insert(
                    List.of(
                        bystander,
                        TckData.beta("order", other, 1),
                        TckData.beta("order", id, 2),
                        TckData.beta("order", id, 3))))
        .isInstanceOfSatisfying(
            ConcurrencyException.class,
            c -> {
              assertThat(c.aggregateName()).isEqualTo("order");
              assertThat(c.aggregateId()).isEqualTo(id);
              assertThat(c.expectedVersion()).isEqualTo(1);
              assertThat(c.actualVersion()).isIn(2, -1);
            });
    assertThat(store.find(bystander.id())).isEmpty();
    assertThat(count(EventQuery.builder().aggregate("order", other).build())).isZero();
    assertThat(count(EventQuery.all())).isEqualTo(2);
  }

  @Test
  void rejectsADuplicateIdAndStoresNothingOfTheBatch() {
    Event<Alpha> e = TckData.alpha("once");
    insert(List.of(e));
    Event<Alpha> fresh = TckData.alpha("fresh");
    assertThatThrownBy(() -> insert(List.of(fresh, e.withTime(Instant.now()))))
        .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(e.id()));
    assertThat(store.find(fresh.id())).isEmpty();

    Event<Alpha> twice = TckData.alpha("twice");
    assertThatThrownBy(() -> insert(List.of(twice, twice)))
        .isInstanceOf(DuplicateEventException.class);
    assertThat(store.find(twice.id())).isEmpty();
  }

  @Test
  void findsAndGuardsIdsWhateverTheirOrder() {
    // Time-ordered ids usually arrive in rising order; these arrive falling, rising and mixed,
    // within one batch and across batches, and each is found and then refused a second time.
    UUID low = new UUID(0x0100_0000_0000_7000L, 0x8000_0000_0000_0001L);
    UUID mid = new UUID(0x0200_0000_0000_7000L, 0x8000_0000_0000_0001L);
    UUID high = new UUID(0xF000_0000_0000_7000L, 0x8000_0000_0000_0001L); // negative as a long
    UUID top = new UUID(0xF000_0000_0000_7000L, 0xF000_0000_0000_0001L);
    List<Event<?>> first = List.of(
        TckData.alpha("high").withId(high), TckData.alpha("mid").withId(mid));
    insert(first);
    insert(List.of(TckData.alpha("low").withId(low), TckData.alpha("top").withId(top)));
    for (UUID id : List.of(low, mid, high, top)) {
      assertThat(store.find(id)).as("find %s", id).map(Event::id).contains(id);
      Event<Alpha> fresh = TckData.alpha("fresh");
      assertThatThrownBy(() -> insert(List.of(fresh, TckData.alpha("again").withId(id))))
          .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(id));
      assertThat(store.find(fresh.id())).isEmpty();
    }
    assertThat(ids(EventQuery.all())).containsExactly(high, mid, low, top);
  }

  @Test
  void rejectsAnIdRepeatedInALargeBatch() {
    List<Event<?>> batch = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      batch.add(TckData.alpha("e" + i).withId(new UUID(0x0100_0000_0000_7000L, 1000 - i)));
    }
    batch.add(TckData.alpha("repeat").withId(batch.get(40).id()));
    assertThatThrownBy(() -> insert(batch))
        .isInstanceOfSatisfying(
            DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(batch.get(40).id()));
    assertThat(count(EventQuery.all())).isZero();
    insert(batch.subList(0, 100));
    assertThat(count(EventQuery.all())).isEqualTo(100);
  }

  @Test
  void rejectsVersionsThatAreNotContiguousWithinTheBatch() {
    UUID id = UUID.randomUUID();
    Event<Alpha> bystander = TckData.alpha("bystander");
    assertThatThrownBy(
            () ->
                insert(
                    List.of(bystander, TckData.beta("order", id, 1), TckData.beta("order", id, 3))))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining(id.toString());
    assertThat(count(EventQuery.all())).isZero();
  }

  @Test
  void rejectsABatchThatLeavesAGapAfterTheStoredVersion() {
    UUID id = UUID.randomUUID();
    insert(List.of(TckData.beta("order", id, 1)));
    assertThatThrownBy(() -> insert(List.of(TckData.beta("order", id, 3))))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining("version 3");
    assertThat(count(EventQuery.all())).isEqualTo(1);
  }

  @Test
  void rejectsAStreamThatDoesNotStartAtVersionOne() {
    UUID id = UUID.randomUUID();
    assertThatThrownBy(() -> insert(List.of(TckData.beta("order", id, 2))))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining("version 2");
    assertThatThrownBy(
            () -> insert(List.of(TckData.beta("order", id, 2), TckData.beta("order", id, 3))))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining("version 2");
    assertThat(count(EventQuery.all())).isZero();
  }

  @Test
  void rejectsAMultiEventBatchThatLeavesAGapForOneOfItsAggregates() {
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    insert(List.of(TckData.beta("order", a, 1), TckData.beta("order", b, 1)));
    assertThatThrownBy(
            () ->
                insert(
                    List.of(
                        TckData.beta("order", a, 2),
                        TckData.beta("order", b, 3),
                        TckData.beta("order", b, 4))))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining(b.toString());
    assertThat(count(EventQuery.all())).isEqualTo(2);
  }

  @Test
  void acceptsInterleavedAggregatesInOneBatch() {
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    insert(
        List.of(
            TckData.beta("order", a, 1),
            TckData.beta("order", b, 1),
            TckData.beta("order", a, 2),
            TckData.beta("invoice", a, 1),
            TckData.beta("order", b, 2)));
    assertThat(versions(EventQuery.builder().aggregate("order", a).build())).containsExactly(1, 2);
    assertThat(versions(EventQuery.builder().aggregate("order", b).build())).containsExactly(1, 2);
    assertThat(versions(EventQuery.builder().aggregate("invoice", a).build())).containsExactly(1);
  }

  // ---------------------------------------------------------------- delete

  @Test
  void refusesNullsNamingTheArgumentAndStoresNothing() {
    Event<?> ok = TckData.alpha("kept out");
    assertThatThrownBy(() -> insert(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("events");
    assertThatThrownBy(() -> insert(java.util.Arrays.asList(ok, null)))
        .as("a null element of the batch")
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("events");
    assertThatThrownBy(() -> store.find(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> store.query(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("query");
    assertThatThrownBy(() -> store.delete(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("events");
    assertThat(store.lastPosition()).isZero();
    assertThat(store.find(ok.id())).isEmpty();
  }

  @Test
  void deletesEventsById() {
    Event<Alpha> keep = TckData.alpha("keep");
    Event<Alpha> drop = TckData.alpha("drop");
    insert(List.of(keep, drop));
    store.delete(List.of(drop, TckData.alpha("never stored")));
    assertThat(store.find(drop.id())).isEmpty();
    assertThat(store.find(keep.id())).isPresent();
    assertThat(ids(EventQuery.all())).containsExactly(keep.id());
  }

  @Test
  void aDeletedEventsIdCanBeStoredAgain() {
    Event<Alpha> first = TckData.alpha("first");
    Event<Alpha> later = TckData.alpha("later");
    insert(List.of(first, later));
    store.delete(List.of(first));
    Event<?> again = insert(List.of(TckData.alpha("again").withId(first.id()))).get(0);
    assertThat(store.find(first.id())).hasValueSatisfying(e -> {
      assertThat(e.data()).isEqualTo(new Alpha("again"));
      assertThat(e.position()).isEqualTo(again.position());
    });
    assertThatThrownBy(() -> insert(List.of(first)))
        .isInstanceOf(DuplicateEventException.class);
    assertThat(ids(EventQuery.all())).containsExactly(later.id(), first.id());
  }

  @Test
  void aDeletedAggregateCanStartOverAtVersionOne() {
    UUID id = UUID.randomUUID();
    List<Event<?>> stored = insert(List.of(TckData.beta("order", id, 1), TckData.beta("order", id, 2)));
    store.delete(stored);
    insert(List.of(TckData.beta("order", id, 1)));
    assertThat(versions(EventQuery.builder().aggregate("order", id).build())).containsExactly(1);
  }

  // ---------------------------------------------------------------- input limits (EventStore's javadoc)

  /** The documented limit of event and aggregate names, in characters. */
  protected static final int MAX_NAME_LENGTH = 255;
  /** The documented limit of an event's metadata: UTF-8 bytes of its keys and values. */
  protected static final int MAX_METADATA_BYTES = 1 << 20;
  /** The documented limit of an encoded payload, in bytes. */
  protected static final int MAX_PAYLOAD_BYTES = 1 << 24;

  @Test
  void refusesANulCharacterInEveryTextFieldAndStoresNothingOfTheBatch() {
    UUID agg = UUID.randomUUID();
    Map<String, List<Event<?>>> byField = Map.of(
        "name", List.of(Event.create("tck.al\0pha", new Alpha("x"))),
        "aggregate name", List.of(TckData.beta("ord\0er", agg, 1)),
        "metadata", List.of(
            TckData.alpha("x").withMetadata(Metadata.of("us\0er", "ana")),
            TckData.alpha("x").withMetadata(Metadata.of("user", "an\0a"))));
    assertEachRefusedNamingItsField(byField, "NUL");
    assertThat(count(EventQuery.all())).isZero();
  }

  /**
   * Inserts each bad event after an innocent one and checks the batch is refused with an {@link
   * InvalidEventException} naming the bad event, its field, and {@code reason}.
   */
  private void assertEachRefusedNamingItsField(Map<String, List<Event<?>>> byField, String reason) {
    byField.forEach((field, events) -> {
      for (Event<?> bad : events) {
        assertThatThrownBy(() -> insert(List.of(TckData.alpha("innocent"), bad)))
            .as(field)
            .isInstanceOfSatisfying(InvalidEventException.class, e -> {
              assertThat(e.eventId()).isEqualTo(bad.id());
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).contains(bad.id().toString()).contains(reason);
            });
      }
    });
  }

  @Test
  void refusesAnUnpairedSurrogateInEveryTextFieldAndStoresNothingOfTheBatch() {
    UUID agg = UUID.randomUUID();
    // Text with no UTF-8 form: a store would read back something else (or its server refuse it).
    Map<String, List<Event<?>>> byField = Map.of(
        "name", List.of(Event.create("tck.al\ud800pha", new Alpha("x"))),
        "aggregate name", List.of(TckData.beta("ord\udc00er", agg, 1)),
        "metadata", List.of(
            TckData.alpha("x").withMetadata(Metadata.of("us\ud800er", "ana")),
            TckData.alpha("x").withMetadata(Metadata.of("user", "ana\udbff"))));
    assertEachRefusedNamingItsField(byField, "unpaired UTF-16 surrogate");
    // A pair is one character, and welcome.
    Event<Alpha> emoji = TckData.alpha("x").withMetadata(Metadata.of("mood", "\ud83d\ude00"));
    insert(List.of(emoji));
    assertThat(store.find(emoji.id()).orElseThrow().metadata().values()).containsEntry("mood", "\ud83d\ude00");
    assertThat(count(EventQuery.all())).isOne();
  }

  @Test
  void refusesNamesLongerThanTheLimit() {
    UUID agg = UUID.randomUUID();
    String longest = "a".repeat(MAX_NAME_LENGTH);
    Event<?> atLimit = TckData.beta(longest, agg, 1);
    insert(List.of(atLimit));
    assertThat(store.find(atLimit.id()).orElseThrow().aggregate().orElseThrow().name()).isEqualTo(longest);
    for (int length : new int[] {MAX_NAME_LENGTH + 1, 4000}) {
      Event<?> over = TckData.beta("a".repeat(length), agg, 1);
      assertThatThrownBy(() -> insert(List.of(over)))
          .isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.eventId()).isEqualTo(over.id());
            assertThat(e.field()).isEqualTo("aggregate name");
            assertThat(e.getMessage()).contains(String.valueOf(MAX_NAME_LENGTH)).contains(String.valueOf(length));
          });
    }
    Event<?> longName = Event.create("n".repeat(MAX_NAME_LENGTH + 1), new Alpha("x"));
    assertThatThrownBy(() -> insert(List.of(longName)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("name"));
    assertThat(count(EventQuery.all())).isEqualTo(1);
  }

  @Test
  void refusesMetadataBeyondTheLimitAndReadsBackMetadataAtIt() {
    Event<?> atLimit = TckData.alpha("x").withMetadata(Metadata.of("k", "v".repeat(MAX_METADATA_BYTES - 1)));
    Event<?> over = TckData.alpha("y").withMetadata(Metadata.of("k", "\u00e9".repeat(MAX_METADATA_BYTES / 2)));
    assertThatThrownBy(() -> insert(List.of(over)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
          assertThat(e.eventId()).isEqualTo(over.id());
          assertThat(e.field()).isEqualTo("metadata");
          assertThat(e.getMessage()).contains(String.valueOf(MAX_METADATA_BYTES));
        });
    insert(List.of(atLimit));
    assertThat(store.find(atLimit.id()).orElseThrow().metadata()).isEqualTo(atLimit.metadata());
    assertThat(count(EventQuery.all())).isEqualTo(1);
  }

  @Test
  void refusesAnEncodedPayloadBeyondTheLimitOrReadsItBack() {
    Event<Alpha> big = TckData.alpha("x".repeat(MAX_PAYLOAD_BYTES));
    if (capabilities.encodesPayloads()) {
      assertThatThrownBy(() -> insert(List.of(TckData.alpha("innocent"), big)))
          .isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.eventId()).isEqualTo(big.id());
            assertThat(e.field()).isEqualTo("payload");
            assertThat(e.getMessage()).contains(String.valueOf(MAX_PAYLOAD_BYTES));
          });
      assertThat(count(EventQuery.all())).isZero();
    } else {
      insert(List.of(big));
      assertThat(store.find(big.id()).orElseThrow().data()).isEqualTo(big.data());
    }
  }

  @Test
  void readsBackAPayloadJustBelowTheLimit() {
    Event<Alpha> large = TckData.alpha("\u00e9".repeat(MAX_PAYLOAD_BYTES / 2 - 64));
    insert(List.of(large));
    assertThat(store.find(large.id()).orElseThrow().data()).isEqualTo(large.data());
    try (Stream<Event<?>> s = store.query(EventQuery.all())) {
      assertThat(s.<Object>map(Event::data)).containsExactly(large.data());
    }
  }

  @Test
  void refusesANulCharacterInAnEncodedPayloadOrReadsItBack() {
    Event<Alpha> nul = TckData.alpha("a\0b");
    if (capabilities.encodesPayloads()) {
      assertThatThrownBy(() -> insert(List.of(nul)))
          .isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.eventId()).isEqualTo(nul.id());
            assertThat(e.field()).isEqualTo("payload");
            assertThat(e.getMessage()).contains("NUL");
          });
      assertThat(count(EventQuery.all())).isZero();
    } else {
      insert(List.of(nul));
      assertThat(store.find(nul.id()).orElseThrow().data()).isEqualTo(nul.data());
    }
    // An escaped backslash followed by "u0000" is no NUL character.
    Event<Alpha> lookalike = TckData.alpha("a\\u0000b");
    insert(List.of(lookalike));
    assertThat(store.find(lookalike.id()).orElseThrow().data()).isEqualTo(lookalike.data());
  }

  @Test
  void refusesANulCharacterInAQueryFilter() {
    insert(List.of(TckData.alpha("x")));
    List<EventQuery> queries = List.of(
        EventQuery.builder().names("tck.al\0pha").build(),
        EventQuery.builder().aggregateNames("ord\0er").build(),
        EventQuery.builder().aggregate("ord\0er", UUID.randomUUID()).build(),
        EventQuery.builder().aggregate("ord\0er").build());
    for (EventQuery q : queries) {
      assertThatThrownBy(() -> count(q)).as(q.toString())
          .isInstanceOf(InvalidQueryException.class)
          .hasMessageContaining("NUL");
    }
  }

  @Test
  @Timeout(60)
  void aBadBatchAmongConcurrentInsertsFailsOnlyItself() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Event<?>>>> good = new ArrayList<>();
      List<Future<List<Event<?>>>> bad = new ArrayList<>();
      for (int round = 0; round < 20; round++) {
        for (int w = 0; w < writers; w++) {
          boolean guilty = w == round % writers;
          UUID agg = UUID.randomUUID();
          Event<?> e = guilty ? TckData.beta("ord\0er", agg, 1) : TckData.beta("order", agg, 1);
          Future<List<Event<?>>> f = pool.submit(() -> {
            start.await();
            return insert(List.of(e));
          });
          (guilty ? bad : good).add(f);
        }
      }
      start.countDown();
      for (Future<List<Event<?>>> f : good) {
        assertThat(f.get(30, TimeUnit.SECONDS)).hasSize(1);
      }
      for (Future<List<Event<?>>> f : bad) {
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidEventException.class);
      }
      assertThat(count(EventQuery.all())).isEqualTo(good.size());
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- queries

  /** The fixed data set the query tests run against. */
  @Nested
  class Queries {
    final Instant t0 = Instant.parse("2026-03-01T12:00:00.000000100Z");
    final UUID order1 = new UUID(0x1000, 1);
    final UUID order2 = new UUID(0x1000, 2);
    final UUID invoice1 = new UUID(0x2000, 1);
    final List<Event<?>> all = new ArrayList<>();

    @BeforeEach
    void seed() {
      // 12 events: 3 names, times one second apart (and out of insert order), 3 aggregates + free ones.
      add(TckData.ALPHA, new Alpha("free-0"), 5, null, null, 0);
      add(TckData.BETA, new Beta(1), 0, "order", order1, 1);
      add(TckData.BETA, new Beta(2), 1, "order", order1, 2);
      add(TckData.GAMMA, new Gamma("g", t0), 2, "order", order1, 3);
      add(TckData.BETA, new Beta(1), 3, "order", order2, 1);
      add(TckData.ALPHA, new Alpha("o2"), 4, "order", order2, 2);
      add(TckData.BETA, new Beta(1), 6, "invoice", invoice1, 1);
      add(TckData.GAMMA, new Gamma("i", t0), 7, "invoice", invoice1, 2);
      add(TckData.BETA, new Beta(3), 8, "invoice", invoice1, 3);
      add(TckData.BETA, new Beta(4), 9, "invoice", invoice1, 4);
      add(TckData.ALPHA, new Alpha("free-1"), 11, null, null, 0);
      add(TckData.GAMMA, new Gamma("free", t0), 10, null, null, 0);
      List<Event<?>> stored = insert(all);
      all.clear();
      all.addAll(stored);
    }

    private void add(String name, Object data, int second, String aggName, UUID aggId, int version) {
      Event<Object> e = TckData.event(name, data, t0.plusSeconds(second));
      all.add(aggName == null ? e : e.withAggregate(aggName, aggId, version));
    }

    private List<UUID> expected(int... indexes) {
      List<UUID> ids = new ArrayList<>();
      for (int i : indexes) {
        ids.add(all.get(i).id());
      }
      return ids;
    }

    private Instant at(int second) {
      return t0.plusSeconds(second);
    }

    @Test
    void everythingInPositionOrder() {
      assertThat(ids(EventQuery.all())).containsExactlyElementsOf(expected(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    }

    @Test
    void byNames() {
      assertThat(ids(EventQuery.builder().names(TckData.ALPHA).build())).containsExactlyElementsOf(expected(0, 5, 10));
      assertThat(ids(EventQuery.builder().names(TckData.ALPHA, TckData.GAMMA).build()))
          .containsExactlyElementsOf(expected(0, 3, 5, 7, 10, 11));
      assertThat(ids(EventQuery.builder().names("tck.unknown").build())).isEmpty();
    }

    @Test
    void byIds() {
      assertThat(ids(EventQuery.builder().ids(all.get(3).id(), all.get(8).id()).build()))
          .containsExactlyElementsOf(expected(3, 8));
    }

    @Test
    void byExactTimes() {
      assertThat(ids(EventQuery.builder().timeExact(at(0), at(11)).build())).containsExactlyElementsOf(expected(1, 10));
      assertThat(ids(EventQuery.builder().timeExact(at(0).plusNanos(1)).build())).isEmpty();
    }

    @Test
    void byTimeRanges() {
      assertThat(ids(EventQuery.builder().timeBetween(at(1), at(3)).build())).containsExactlyElementsOf(expected(2, 3, 4));
      assertThat(ids(EventQuery.builder().timeBetween(at(0), at(0)).timeBetween(at(10), at(11)).build()))
          .containsExactlyElementsOf(expected(1, 10, 11));
    }

    @Test
    void byTimeMinMaxBeforeAfter() {
      assertThat(ids(EventQuery.builder().timeMin(at(9)).build())).containsExactlyElementsOf(expected(9, 10, 11));
      assertThat(ids(EventQuery.builder().timeMax(at(1)).build())).containsExactlyElementsOf(expected(1, 2));
      assertThat(ids(EventQuery.builder().timeAfter(at(9)).build())).containsExactlyElementsOf(expected(10, 11));
      assertThat(ids(EventQuery.builder().timeBefore(at(1)).build())).containsExactlyElementsOf(expected(1));
      assertThat(ids(EventQuery.builder().timeAfter(at(3)).timeBefore(at(6)).build())).containsExactlyElementsOf(expected(0, 5));
      assertThat(ids(EventQuery.builder().timeMin(at(3)).timeMax(at(5)).build())).containsExactlyElementsOf(expected(0, 4, 5));
    }

    @Test
    void byAggregateNamesAndIds() {
      assertThat(ids(EventQuery.builder().aggregateNames("invoice").build())).containsExactlyElementsOf(expected(6, 7, 8, 9));
      assertThat(ids(EventQuery.builder().aggregateIds(order2, invoice1).build()))
          .containsExactlyElementsOf(expected(4, 5, 6, 7, 8, 9));
      assertThat(ids(EventQuery.builder().aggregateNames("order").aggregateIds(invoice1).build())).isEmpty();
    }

    @Test
    void byVersions() {
      assertThat(ids(EventQuery.builder().versionExact(1).build())).containsExactlyElementsOf(expected(1, 4, 6));
      assertThat(ids(EventQuery.builder().versionExact(3, 4).build())).containsExactlyElementsOf(expected(3, 8, 9));
      assertThat(ids(EventQuery.builder().versionBetween(2, 3).build())).containsExactlyElementsOf(expected(2, 3, 5, 7, 8));
      assertThat(ids(EventQuery.builder().versionBetween(1, 1).versionBetween(4, 9).build()))
          .containsExactlyElementsOf(expected(1, 4, 6, 9));
      assertThat(ids(EventQuery.builder().versionMin(3).build())).containsExactlyElementsOf(expected(3, 8, 9));
      assertThat(ids(EventQuery.builder().versionMax(1).build())).containsExactlyElementsOf(expected(1, 4, 6));
      assertThat(ids(EventQuery.builder().versionMin(2).versionMax(2).build())).containsExactlyElementsOf(expected(2, 5, 7));
    }

    @Test
    void byAggregateReferencesWithAndWithoutId() {
      assertThat(ids(EventQuery.builder().aggregate("order", order1).build())).containsExactlyElementsOf(expected(1, 2, 3));
      assertThat(ids(EventQuery.builder().aggregate("order").build())).containsExactlyElementsOf(expected(1, 2, 3, 4, 5));
      assertThat(ids(EventQuery.builder().aggregate("order", order2).aggregate("invoice").build()))
          .containsExactlyElementsOf(expected(4, 5, 6, 7, 8, 9));
      assertThat(ids(EventQuery.builder().aggregate("invoice", order1).build())).isEmpty();
    }

    @Test
    void combinesKindsWithAnd() {
      assertThat(ids(EventQuery.builder().names(TckData.BETA).aggregate("invoice").versionMin(3).build()))
          .containsExactlyElementsOf(expected(8, 9));
      assertThat(ids(EventQuery.builder().names(TckData.GAMMA).timeMin(at(3)).build()))
          .containsExactlyElementsOf(expected(7, 11));
      assertThat(ids(EventQuery.builder().aggregate("order", order1).versionExact(2, 3).names(TckData.BETA).build()))
          .containsExactlyElementsOf(expected(2));
    }

    @Test
    void afterAPosition() {
      long p = all.get(8).position();
      assertThat(ids(EventQuery.builder().afterPosition(p).build())).containsExactlyElementsOf(expected(9, 10, 11));
      assertThat(ids(EventQuery.builder().afterPosition(p).names(TckData.ALPHA).build())).containsExactlyElementsOf(expected(10));
      assertThat(ids(EventQuery.builder().afterPosition(store.lastPosition()).build())).isEmpty();
    }

    @Test
    void withALimit() {
      assertThat(ids(EventQuery.builder().limit(3).build())).containsExactlyElementsOf(expected(0, 1, 2));
      assertThat(ids(EventQuery.builder().names(TckData.BETA).limit(2).build())).containsExactlyElementsOf(expected(1, 2));
      assertThat(ids(EventQuery.builder().limit(0).build())).isEmpty();
    }

    @Test
    void sortedByTime() {
      assertThat(ids(EventQuery.builder().sortBy(SortField.TIME).build()))
          .containsExactlyElementsOf(expected(1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 11, 10));
      assertThat(ids(EventQuery.builder().sortBy(SortOrder.desc(SortField.TIME)).limit(3).build()))
          .containsExactlyElementsOf(expected(10, 11, 9));
    }

    @Test
    void sortedByPositionDescending() {
      assertThat(ids(EventQuery.builder().aggregate("order").sortBy(SortOrder.desc(SortField.POSITION)).build()))
          .containsExactlyElementsOf(expected(5, 4, 3, 2, 1));
    }

    @Test
    void sortedByNameThenTime() {
      assertThat(ids(EventQuery.builder().sortBy(SortField.NAME).sortBy(SortOrder.desc(SortField.TIME)).build()))
          .containsExactlyElementsOf(expected(10, 0, 5, 9, 8, 6, 4, 2, 1, 11, 7, 3));
    }

    @Test
    void sortedByAggregateNameIdAndVersion() {
      EventQuery q =
          EventQuery.builder()
              .aggregate("order")
              .aggregate("invoice")
              .sortBy(SortOrder.desc(SortField.AGGREGATE_NAME))
              .sortBy(SortOrder.asc(SortField.AGGREGATE_ID))
              .sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION))
              .build();
      assertThat(ids(q)).containsExactlyElementsOf(expected(3, 2, 1, 5, 4, 9, 8, 7, 6));
    }

    @Test
    void agreesWithTheQuerysOwnMatchingRules() {
      List<EventQuery> queries =
          List.of(
              EventQuery.builder().names(TckData.BETA).timeBetween(at(2), at(8)).build(),
              EventQuery.builder().aggregateIds(order1).versionMax(2).timeAfter(at(0)).build(),
              EventQuery.builder().aggregate("order").names(TckData.ALPHA, TckData.BETA).versionBetween(1, 2).build(),
              EventQuery.builder().timeMin(at(2)).timeBefore(at(10)).aggregateNames("invoice", "order").build());
      for (EventQuery q : queries) {
        dev.fabula.spi.QueryPlan plan = dev.fabula.spi.QueryPlan.of(q);
        List<UUID> reference = all.stream().filter(plan::matches).map(Event::id).toList();
        assertThat(ids(q)).as(q.toString()).containsExactlyElementsOf(reference);
      }
    }
  }

  // ---------------------------------------------------------------- streaming

  @Test
  void streamsALargeResultAndStopsEarlyOnClose() {
    int n = capabilities.largeResultSize();
    List<Event<?>> batch = new ArrayList<>(1000);
    for (int i = 0; i < n; i++) {
      batch.add(TckData.alpha(Integer.toString(i)));
      if (batch.size() == 1000) {
        insert(batch);
        batch = new ArrayList<>(1000);
      }
    }
    insert(batch);

    long seen = 0;
    long last = 0;
    try (Stream<Event<?>> s = store.query(EventQuery.all())) {
      for (var it = s.iterator(); it.hasNext(); ) {
        Event<?> e = it.next();
        assertThat(e.position()).isGreaterThan(last);
        last = e.position();
        seen++;
      }
    }
    assertThat(seen).isEqualTo(n);

    AtomicBoolean closed = new AtomicBoolean();
    try (Stream<Event<?>> s = store.query(EventQuery.all()).onClose(() -> closed.set(true))) {
      assertThat(s.limit(5).count()).isEqualTo(5);
    }
    assertThat(closed).isTrue();
    assertThat(count(EventQuery.builder().names(TckData.ALPHA).limit(10).build())).isEqualTo(10);
  }

  // ---------------------------------------------------------------- concurrency

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void concurrentWritersOnOneAggregateGetExactlyOneWinnerPerVersion() throws Exception {
    UUID id = UUID.randomUUID();
    int threads = 8;
    int rounds = 100;
    // Each round, every writer reads the aggregate's version and waits until all have read it
    // before it writes the next versions: all race for the same version, so exactly one may win.
    // (Without the wait, a fast store lets one thread write every version before the others start.)
    CyclicBarrier barrier = new CyclicBarrier(threads);
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    Map<UUID, List<UUID>> batches = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        writers.add(
            pool.submit(
                () -> {
                  try {
                    for (int round = 0; round < rounds; round++) {
                      int current = currentVersion("order", id);
                      barrier.await(30, TimeUnit.SECONDS); // all have read before any writes
                      int size = 1 + ThreadLocalRandom.current().nextInt(3);
                      List<Event<?>> batch = new ArrayList<>();
                      for (int v = 1; v <= size; v++) {
                        batch.add(TckData.beta("order", id, current + v));
                      }
                      try {
                        store.insert(batch);
                        winners.incrementAndGet(round);
                        batches.put(batch.get(0).id(), batch.stream().map(Event::id).toList());
                      } catch (ConcurrencyException lost) {
                        assertThat(lost.aggregateId()).isEqualTo(id);
                      }
                      barrier.await(30, TimeUnit.SECONDS); // all have written before any reads
                    }
                    return null;
                  } catch (Throwable failure) {
                    barrier.reset(); // the other writers fail at once instead of waiting
                    throw failure;
                  }
                }));
      }
      for (Future<?> f : writers) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    for (int round = 0; round < rounds; round++) {
      assertThat(winners.get(round)).as("writers that won round %d", round).isEqualTo(1);
    }
    List<Integer> versions = versions(EventQuery.builder().aggregate("order", id).sortBy(SortField.AGGREGATE_VERSION).build());
    Set<UUID> storedIds = new HashSet<>(ids(EventQuery.all()));
    Set<UUID> wonIds = new HashSet<>();
    batches.values().forEach(wonIds::addAll);
    assertThat(storedIds).as("the events of the winning batches, and no other").isEqualTo(wonIds);
    assertThat(versions).hasSize(wonIds.size());
    for (int i = 0; i < versions.size(); i++) {
      assertThat(versions.get(i)).isEqualTo(i + 1);
    }
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void catchUpReaderSeesEveryEventExactlyOnceUnderConcurrentWriters() throws Exception {
    int writers = capabilities.tortureWriters();
    int batchesPerWriter = capabilities.tortureBatchesPerWriter();
    Set<UUID> written = ConcurrentHashMap.newKeySet();
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    List<UUID> seen = Collections.synchronizedList(new ArrayList<>());

    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try {
      Future<?> reader =
          pool.submit(
              () -> {
                start.await();
                long position = 0;
                boolean finalPass = false;
                while (true) {
                  boolean done = !writing.get();
                  try (Stream<Event<?>> s = store.query(EventQuery.builder().afterPosition(position).build())) {
                    for (var it = s.iterator(); it.hasNext(); ) {
                      Event<?> e = it.next();
                      assertThat(e.position()).as("positions only grow").isGreaterThan(position);
                      position = e.position();
                      seen.add(e.id());
                    }
                  }
                  if (finalPass) {
                    return null;
                  }
                  finalPass = done;
                }
              });
      List<Future<?>> writes = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        writes.add(
            pool.submit(
                () -> {
                  start.await();
                  UUID agg = UUID.randomUUID();
                  int version = 0;
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  for (int b = 0; b < batchesPerWriter; b++) {
                    int size = 1 + random.nextInt(4);
                    List<Event<?>> batch = new ArrayList<>();
                    for (int i = 0; i < size; i++) {
                      batch.add(random.nextBoolean() ? TckData.beta("torture", agg, ++version) : TckData.alpha("t"));
                    }
                    if (random.nextInt(8) == 0) {
                      Thread.sleep(Duration.ofNanos(random.nextLong(2_000_000)));
                    }
                    store.insert(batch);
                    batch.forEach(e -> written.add(e.id()));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : writes) {
        f.get();
      }
      writing.set(false);
      reader.get();
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(new HashSet<>(seen)).isEqualTo(written);
  }

  // ---------------------------------------------------------------- lifecycle

  @Test
  void refusesUseAfterClose() {
    store.close();
    assertThatThrownBy(() -> insert(List.of(TckData.alpha("late")))).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.find(UUID.randomUUID())).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.query(EventQuery.all())).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.delete(List.of())).isInstanceOf(ClosedException.class);
    store.close(); // idempotent
  }


  // ---------------------------------------------------------------- schema evolution (ADR 0021)
  //
  // TckData registers legacy names (old types the kit can still insert) and event upcasters that
  // rename, reshape, add defaults, chain, split, drop and fail. Every read of the store must apply
  // them; the stored rows stay as written.

  /** Every event {@code q} reads. */
  private List<Event<?>> readAll(EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.toList();
    }
  }

  @Test
  void upcastingReadsARenamedEventUnderItsNewNameWithEveryOtherFieldKept() {
    Event<?> old = Event.of(
        UuidV7.next(), TckData.ALPHA_V0, Instant.parse("2026-11-25T10:15:30.123456789Z"),
        new TckData.AlphaV0("was label"), null, Metadata.of("user", "ana"), 0);
    long position = insert(List.of(old)).get(0).position();

    Event<?> found = store.find(old.id()).orElseThrow();
    assertThat(found.name()).isEqualTo(TckData.ALPHA);
    assertThat(found.data()).isEqualTo(new Alpha("was label"));
    assertThat(found.id()).isEqualTo(old.id());
    assertThat(found.time()).isEqualTo(old.time());
    assertThat(found.metadata()).isEqualTo(old.metadata());
    assertThat(found.position()).isEqualTo(position);
    assertThat(ids(EventQuery.builder().ids(old.id()).build())).containsExactly(old.id());
  }

  @Test
  void upcastingAddsDefaultsWhenItReshapes() {
    Event<?> old = Event.create(TckData.GAMMA_V0, new TckData.GammaV0("g"));
    insert(List.of(old));
    Event<?> found = store.find(old.id()).orElseThrow();
    assertThat(found.name()).isEqualTo(TckData.GAMMA);
    assertThat(found.data()).isEqualTo(new Gamma("g", TckData.GAMMA_V0_AT));
  }

  @Test
  void upcastingComposesChainsInOrderAndKeepsTheAggregate() {
    UUID agg = UUID.randomUUID();
    Event<?> old = Event.create(TckData.BETA_V0, new TckData.BetaV0("41")).withAggregate("tck.counter", agg, 1);
    insert(List.of(old));
    Event<?> found = store.find(old.id()).orElseThrow();
    assertThat(found.name()).as("through %s", TckData.BETA_V1).isEqualTo(TckData.BETA);
    assertThat(found.data()).isEqualTo(new Beta(41));
    assertThat(found.aggregate()).contains(new AggregateRef("tck.counter", agg, 1));
    assertThat(ids(EventQuery.builder().aggregate("tck.counter", agg).build())).containsExactly(old.id());
  }

  @Test
  void upcastingSplitsAnEventIntoPartsThatShareItsPositionWithStableIds() {
    Event<?> pair = Event.create(TckData.PAIR_V0, new TckData.PairV0("one", "two"));
    Event<?> after = TckData.alpha("three");
    List<Event<?>> stored = insert(List.of(pair, after));

    List<Event<?>> read = readAll(EventQuery.all());
    assertThat(read).extracting(Event::name).containsExactly(TckData.ALPHA, TckData.ALPHA, TckData.ALPHA);
    assertThat(read).extracting(e -> (Object) e.data()).containsExactly(new Alpha("one"), new Alpha("two"), new Alpha("three"));
    assertThat(read.get(0).id()).as("the first part keeps the stored id").isEqualTo(pair.id());
    assertThat(read.get(1).id()).isNotEqualTo(pair.id()).isNotEqualTo(after.id());
    assertThat(read.get(0).position()).isEqualTo(read.get(1).position()).isEqualTo(stored.get(0).position());
    assertThat(readAll(EventQuery.all())).extracting(Event::id)
        .as("the same ids on every read").containsExactlyElementsOf(read.stream().map(Event::id).toList());
    assertThat(readAll(EventQuery.builder().limit(2).build())).extracting(e -> (Object) e.data())
        .as("a limit counts the events read, not the rows stored")
        .containsExactly(new Alpha("one"), new Alpha("two"));
    assertThat(store.find(pair.id()).orElseThrow().data()).isEqualTo(new Alpha("one"));
  }

  @Test
  void upcastingDropsAnEventFromEveryRead() {
    Event<?> obsolete = Event.create(TckData.OBSOLETE_V0, new TckData.NoteV0("gone"));
    Event<?> kept = TckData.alpha("kept");
    insert(List.of(obsolete, kept));
    assertThat(readAll(EventQuery.all())).extracting(Event::id).containsExactly(kept.id());
    assertThat(readAll(EventQuery.builder().limit(1).build())).extracting(Event::id).containsExactly(kept.id());
    assertThat(store.find(obsolete.id())).isEmpty();
  }

  @Test
  void upcastingLetsANameFilterFindEventsStoredUnderOldNames() {
    Event<?> old = Event.create(TckData.ALPHA_V0, new TckData.AlphaV0("old"));
    Event<?> beta = TckData.beta("tck.counter", UUID.randomUUID(), 1);
    Event<?> pair = Event.create(TckData.PAIR_V0, new TckData.PairV0("p1", "p2"));
    Event<?> current = TckData.alpha("new");
    Event<?> obsolete = Event.create(TckData.OBSOLETE_V0, new TckData.NoteV0("gone"));
    insert(List.of(old, beta, pair, current, obsolete));

    assertThat(readAll(EventQuery.builder().names(TckData.ALPHA).build())).extracting(e -> (Object) e.data())
        .containsExactly(new Alpha("old"), new Alpha("p1"), new Alpha("p2"), new Alpha("new"));
    assertThat(readAll(EventQuery.builder().names(TckData.ALPHA).limit(2).build())).extracting(e -> (Object) e.data())
        .containsExactly(new Alpha("old"), new Alpha("p1"));
    assertThat(readAll(EventQuery.builder().names(TckData.ALPHA_V0).build()))
        .as("nothing reads under the old name").isEmpty();
    assertThat(readAll(EventQuery.builder().sortBy(SortField.NAME).build())).extracting(Event::name)
        .as("sorted by the names read, not the names stored")
        .containsExactly(TckData.ALPHA, TckData.ALPHA, TckData.ALPHA, TckData.ALPHA, TckData.BETA);
  }

  /** An aggregate that sums the numbers of its beta events. */
  private static final class Counter extends dev.fabula.aggregate.AggregateRoot {
    private long total;

    Counter(UUID id) {
      super("tck.counter", id);
      on(TckData.BETA, Beta.class, b -> total += b.number());
    }
  }

  @Test
  void upcastingServesARepositoryLoadThroughARenamedEvent() {
    UUID id = UUID.randomUUID();
    insert(List.of(
        Event.create(TckData.BETA_V0, new TckData.BetaV0("40")).withAggregate("tck.counter", id, 1),
        TckData.beta("tck.counter", id, 2)));
    Counter counter = dev.fabula.repository.Repository.of(store, Counter::new).fetch(id);
    assertThat(counter.version()).isEqualTo(2);
    assertThat(counter.total).isEqualTo(40 + 2);
  }

  @Test
  void upcastingRefusesToSplitAnAggregatesEvent() {
    Event<?> pair = Event.create(TckData.PAIR_V0, new TckData.PairV0("a", "b"))
        .withAggregate("tck.counter", UUID.randomUUID(), 1);
    insert(List.of(pair));
    assertThatThrownBy(() -> store.find(pair.id()))
        .isInstanceOfSatisfying(EventDecodingException.class, e -> assertThat(e.eventId()).isEqualTo(pair.id()))
        .hasMessageContaining("exactly one");
  }

  @Test
  void anUpcasterThatThrowsFailsTheReadNamingTheEventAndTheUpcaster() {
    Event<?> broken = Event.create(TckData.BROKEN_V0, new TckData.NoteV0("x"));
    insert(List.of(broken));
    assertThatThrownBy(() -> store.find(broken.id()))
        .isInstanceOfSatisfying(EventDecodingException.class, e -> assertThat(e.eventId()).isEqualTo(broken.id()))
        .hasMessageContaining(broken.id().toString())
        .hasMessageContaining(TckData.BROKEN_UPCASTER.toString())
        .hasMessageContaining("fails on purpose");
    assertThatThrownBy(() -> readAll(EventQuery.builder().names(TckData.ALPHA).build()))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining(TckData.BROKEN_UPCASTER.toString());
  }

  // ---------------------------------------------------------------- helpers

  /** Asserts two events are the same in every field but the position. */
  protected static void assertSameEvent(Event<?> actual, Event<?> expected) {
    assertThat(actual.id()).isEqualTo(expected.id());
    assertThat(actual.name()).isEqualTo(expected.name());
    assertThat(actual.time()).isEqualTo(expected.time());
    assertThat(actual.data()).isEqualTo(expected.data());
    assertThat(actual.aggregate()).isEqualTo(expected.aggregate());
    assertThat(actual.metadata()).isEqualTo(expected.metadata());
  }

  /**
   * Waits until store-following reads can see {@code position}: a store may hold its read horizon
   * back while older writes anywhere are in flight (PostgreSQL's gap-safe horizon waits for every
   * older transaction in the cluster, ADR 0005), so a test that checks {@link
   * EventStore#lastPosition()} after a write waits for it, boundedly.
   */
  private void awaitVisible(long position) {
    long deadline = System.nanoTime() + VISIBILITY_WAIT.toNanos();
    while (store.lastPosition() < position) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "position " + position + " was not visible within " + VISIBILITY_WAIT
                + "; lastPosition() is still " + store.lastPosition());
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  /** The number of events matching {@code q}. */
  protected final long count(EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.count();
    }
  }

  /** The ids of the events matching {@code q}, in result order. */
  protected final List<UUID> ids(EventQuery q) {
    return collect(q, Event::id);
  }

  private List<Integer> versions(EventQuery q) {
    return collect(q, e -> e.aggregate().orElseThrow().version());
  }

  private <T> List<T> collect(EventQuery q, Function<Event<?>, T> f) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.map(f).toList();
    }
  }

  private int currentVersion(String name, UUID id) {
    try (Stream<Event<?>> s =
        store.query(
            EventQuery.builder().aggregate(name, id).sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(1).build())) {
      return s.findFirst().map(e -> e.aggregate().orElseThrow().version()).orElse(0);
    }
  }

  // ---------------------------------------------------------------- agreement: which aggregates a query reads
  //
  // Stores once disagreed on when a query reads "a single aggregate" (every selector equal to the
  // first, or exactly one selector). These cases pin what every store answers where the two
  // definitions differ: the same exact selector given twice, several exact selectors, an exact
  // selector with a wildcard, exact selectors with aggregate ids, and reads of given aggregates
  // right after the write.

  /** Aggregate {@code order} A: its id is below B's as bytes compare (B's first bit is set). */
  private static final UUID AGREE_A = new UUID(0x0A00_0000_0000_7000L, 0x8000_0000_0000_0001L);

  private static final UUID AGREE_B = new UUID(0xF000_0000_0000_7000L, 0x8000_0000_0000_0002L);

  /**
   * Stores, in this position order: order A 1, order B 1, a free event, order A 2, invoice A 1
   * (the same id as order A), order B 2, order A 3, order B 3; returns their ids in that order.
   */
  private List<UUID> storeTwoInterleavedOrders() {
    List<Event<?>> events = List.of(
        TckData.beta("order", AGREE_A, 1),
        TckData.beta("order", AGREE_B, 1),
        TckData.alpha("free"),
        TckData.beta("order", AGREE_A, 2),
        TckData.beta("invoice", AGREE_A, 1),
        TckData.beta("order", AGREE_B, 2));
    insert(events);
    List<Event<?>> later = List.of(TckData.beta("order", AGREE_A, 3), TckData.beta("order", AGREE_B, 3));
    insert(later);
    List<UUID> ids = new ArrayList<>();
    events.forEach(e -> ids.add(e.id()));
    later.forEach(e -> ids.add(e.id()));
    return ids;
  }

  /** The ids at {@code indexes} of {@code ids}, in the order given. */
  private static List<UUID> pick(List<UUID> ids, int... indexes) {
    List<UUID> out = new ArrayList<>();
    for (int i : indexes) {
      out.add(ids.get(i));
    }
    return out;
  }

  @Test
  void theSameExactSelectorGivenTwiceReadsWhatItReadsOnce() {
    List<UUID> e = storeTwoInterleavedOrders(); // order A: 0, 3, 6
    Map<Function<EventQuery.Builder, EventQuery.Builder>, List<UUID>> cases = new java.util.LinkedHashMap<>();
    cases.put(b -> b, pick(e, 0, 3, 6));
    cases.put(b -> b.versionMin(2), pick(e, 3, 6));
    cases.put(b -> b.versionMax(2), pick(e, 0, 3));
    cases.put(b -> b.versionMin(2).versionMax(2), pick(e, 3));
    cases.put(b -> b.sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)), pick(e, 6, 3, 0));
    cases.put(b -> b.limit(2), pick(e, 0, 3));
    cases.put(b -> b.sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(2), pick(e, 6, 3));
    cases.put(b -> b.versionMax(2).sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(1), pick(e, 3));
    cases.put(b -> b.names(TckData.BETA).afterPosition(0), pick(e, 0, 3, 6));
    int n = 0;
    for (var c : cases.entrySet()) {
      EventQuery once = c.getKey().apply(EventQuery.builder().aggregate("order", AGREE_A)).build();
      EventQuery twice = c.getKey().apply(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_A)).build();
      EventQuery thrice = c.getKey().apply(EventQuery.builder()
          .aggregates(List.of(dev.fabula.event.AggregateSelector.of("order", AGREE_A),
              dev.fabula.event.AggregateSelector.of("order", AGREE_A),
              dev.fabula.event.AggregateSelector.of("order", AGREE_A)))).build();
      assertThat(ids(once)).as("case %d once: %s", n, once).containsExactlyElementsOf(c.getValue());
      assertThat(ids(twice)).as("case %d twice: %s", n, twice).containsExactlyElementsOf(c.getValue());
      assertThat(ids(thrice)).as("case %d three times: %s", n, thrice).containsExactlyElementsOf(c.getValue());
      n++;
    }
  }

  @Test
  void twoExactSelectorsReadBothAggregatesInPositionOrder() {
    List<UUID> e = storeTwoInterleavedOrders(); // order A: 0, 3, 6; order B: 1, 5, 7
    EventQuery ab = EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_B).build();
    EventQuery ba = EventQuery.builder().aggregate("order", AGREE_B).aggregate("order", AGREE_A).build();
    assertThat(ids(ab)).containsExactlyElementsOf(pick(e, 0, 1, 3, 5, 6, 7));
    assertThat(ids(ba)).as("whatever order the selectors were given in").containsExactlyElementsOf(pick(e, 0, 1, 3, 5, 6, 7));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_B).aggregate("order", AGREE_A).build()))
        .as("one of them given twice")
        .containsExactlyElementsOf(pick(e, 0, 1, 3, 5, 6, 7));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_B).versionMin(2).versionMax(2).build()))
        .containsExactlyElementsOf(pick(e, 3, 5));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_B).aggregate("order", AGREE_A).afterPosition(positionOf(e.get(3))).limit(3).build()))
        .containsExactlyElementsOf(pick(e, 5, 6, 7));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("invoice", AGREE_A).build()))
        .as("the same id under two names: two aggregates")
        .containsExactlyElementsOf(pick(e, 0, 3, 4, 6));
  }

  @Test
  void twoExactSelectorsSortedByVersionBreakTiesByPosition() {
    List<UUID> e = storeTwoInterleavedOrders(); // order A: 0, 3, 6; order B: 1, 5, 7
    EventQuery.Builder both = EventQuery.builder().aggregate("order", AGREE_B).aggregate("order", AGREE_A);
    assertThat(ids(both.sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).build()))
        .containsExactlyElementsOf(pick(e, 6, 7, 3, 5, 0, 1));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_B)
            .sortBy(SortField.AGGREGATE_ID).sortBy(SortField.AGGREGATE_VERSION).build()))
        .as("ids compare as their bytes: A before B")
        .containsExactlyElementsOf(pick(e, 0, 3, 6, 1, 5, 7));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_B)
            .sortBy(SortOrder.desc(SortField.AGGREGATE_ID)).sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(4).build()))
        .containsExactlyElementsOf(pick(e, 7, 5, 1, 6));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_B)
            .versionMin(2).sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(3).build()))
        .containsExactlyElementsOf(pick(e, 6, 7, 3));
  }

  @Test
  void anExactSelectorWithAWildcardOfTheSameNameReadsEveryAggregateOfThatName() {
    List<UUID> e = storeTwoInterleavedOrders(); // order A: 0, 3, 6; order B: 1, 5, 7; invoice A: 4
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order").build()))
        .containsExactlyElementsOf(pick(e, 0, 1, 3, 5, 6, 7));
    assertThat(ids(EventQuery.builder().aggregate("order").aggregate("order", AGREE_A).build()))
        .as("wildcard first")
        .containsExactlyElementsOf(pick(e, 0, 1, 3, 5, 6, 7));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order")
            .sortBy(SortOrder.desc(SortField.AGGREGATE_VERSION)).limit(3).build()))
        .containsExactlyElementsOf(pick(e, 6, 7, 3));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order").versionMax(1).build()))
        .containsExactlyElementsOf(pick(e, 0, 1));
    assertThat(ids(EventQuery.builder().aggregate("invoice", AGREE_A).aggregate("order").build()))
        .as("an exact selector of another name adds its aggregate")
        .containsExactlyElementsOf(pick(e, 0, 1, 3, 4, 5, 6, 7));
  }

  @Test
  void exactSelectorsWithAggregateIdsReadOnlyAggregatesBothSelect() {
    List<UUID> e = storeTwoInterleavedOrders(); // order A: 0, 3, 6; order B: 1, 5, 7; invoice A: 4
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_B).aggregateIds(AGREE_A).build()))
        .containsExactlyElementsOf(pick(e, 0, 3, 6));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_A).aggregateIds(AGREE_A, AGREE_B).build()))
        .containsExactlyElementsOf(pick(e, 0, 3, 6));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("order", AGREE_A).aggregateIds(AGREE_B).build()))
        .as("the selected aggregate's id is not among the ids")
        .isEmpty();
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_A).aggregate("invoice", AGREE_A).aggregateIds(AGREE_A)
            .sortBy(SortOrder.desc(SortField.AGGREGATE_NAME)).build()))
        .containsExactlyElementsOf(pick(e, 0, 3, 6, 4));
    assertThat(ids(EventQuery.builder().aggregate("order", AGREE_B).aggregateIds(AGREE_B).aggregateNames("order").versionMin(2).build()))
        .containsExactlyElementsOf(pick(e, 5, 7));
  }

  @Test
  void readsGivenAggregatesRightAfterWritingThem() {
    UUID c = UUID.randomUUID();
    UUID d = UUID.randomUUID();
    List<UUID> written = new ArrayList<>();
    for (int v = 1; v <= 5; v++) {
      Event<?> ec = TckData.beta("order", c, v);
      Event<?> ed = TckData.beta("order", d, v);
      store.insert(List.of(ec, ed));
      written.add(ec.id());
      written.add(ed.id());
      List<UUID> ofC = new ArrayList<>();
      for (int i = 0; i < written.size(); i += 2) {
        ofC.add(written.get(i));
      }
      assertThat(ids(EventQuery.builder().aggregate("order", c).aggregate("order", c).build()))
          .as("the same aggregate twice, after version %d", v)
          .containsExactlyElementsOf(ofC);
      assertThat(ids(EventQuery.builder().aggregate("order", c).aggregate("order", d).build()))
          .as("both aggregates, after version %d", v)
          .containsExactlyElementsOf(written);
      assertThat(ids(EventQuery.builder().aggregateIds(d, c).build()))
          .as("by aggregate ids, after version %d", v)
          .containsExactlyElementsOf(written);
      assertThat(ids(EventQuery.builder().ids(ed.id()).build())).containsExactly(ed.id());
    }
  }

  /** The position of the stored event with {@code id}. */
  private long positionOf(UUID id) {
    return store.find(id).orElseThrow().position();
  }

  // ---------------------------------------------------------------- agreement: the order of names
  //
  // Names sort by code point, the order of UTF-8 bytes (PostgreSQL's COLLATE "C", MongoDB), not by
  // UTF-16 units (String.compareTo): the two differ where a character beyond the Basic
  // Multilingual Plane (a surrogate pair) meets one of U+E000 to U+FFFF.

  @Test
  void aggregateNamesSortByCodePointNotByUtf16Units() {
    UUID id = UUID.randomUUID();
    String supplementary = "sort\uD83D\uDE00"; // U+1F600: units D83D DE00, below E000 as units
    String privateUse = "sort\uE000";
    String replacement = "sort\uFFFD";
    Event<?> s = TckData.beta(supplementary, id, 1);
    Event<?> p = TckData.beta(privateUse, id, 1);
    Event<?> r = TckData.beta(replacement, id, 1);
    store.insert(List.of(s, r, p));
    // Reads of given aggregates and events: they see every committed event at once, with no wait
    // for the gap-safe horizon of a store-following read.
    assertThat(ids(EventQuery.builder().aggregateIds(id).sortBy(SortField.AGGREGATE_NAME).build()))
        .containsExactly(p.id(), r.id(), s.id());
    assertThat(ids(EventQuery.builder().ids(p.id(), s.id(), r.id()).sortBy(SortOrder.desc(SortField.AGGREGATE_NAME)).build()))
        .containsExactly(s.id(), r.id(), p.id());
    assertThat(store.find(s.id()).orElseThrow().aggregate().orElseThrow().name())
        .as("the name beyond the Basic Multilingual Plane is stored as given")
        .isEqualTo(supplementary);
  }
}
