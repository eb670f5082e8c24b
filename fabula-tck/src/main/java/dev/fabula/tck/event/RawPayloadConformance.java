package dev.fabula.tck.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.codec.Codec;
import dev.fabula.codec.Codecs;
import dev.fabula.codec.RawPayload;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.tck.TckData;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite for raw payloads (ADR 0024): a store read and written through {@link
 * Codecs#raw()} hands out every stored payload as a {@link RawPayload} of its stored JSON text and
 * revision, and writes one back verbatim, so that a tool without the application's types can copy
 * a store or one stream into another, payloads and revisions unchanged.
 *
 * <p>Extend it and implement {@link #store(int, Codec)}: two places of storage (0 and 1), fresh
 * for each test (JUnit makes a new instance of the test class per test), each of which may be
 * opened more than once with different codecs. Stores are closed by the suite.
 */
public abstract class RawPayloadConformance {
  private final List<EventStore> opened = new ArrayList<>();

  /**
   * A store over storage {@code place} (0 or 1), reading and writing payloads through {@code
   * codec}; opened again with another codec it shows the same events.
   */
  protected abstract EventStore store(int place, Codec codec);

  /** The application's codec for {@link TckData#registry()}. */
  protected abstract Codec typedCodec();

  /**
   * Whether the store encodes payloads through its codec ({@code true} by default). A store that
   * keeps payloads as objects (the in-memory one) says {@code false}: it hands back what it was
   * given, so the kit writes its source events as raw payloads already and checks they come back.
   */
  protected boolean encodesPayloads() {
    return true;
  }

  private EventStore open(int place, Codec codec) {
    EventStore s = store(place, codec);
    opened.add(s);
    return s;
  }

  @AfterEach
  void closeStores() throws Exception {
    for (EventStore s : opened) {
      s.close();
    }
  }

  private static List<Event<?>> all(EventStore store, EventQuery query) {
    try (Stream<Event<?>> events = store.query(query)) {
      return events.toList();
    }
  }

  /** Writes typed events and one raw event of an unregistered name at revision 3 to place 0. */
  private List<Event<?>> writeSource() {
    UUID order = UUID.randomUUID();
    EventStore typed = open(0, Codecs.rawFallback(typedCodec()));
    List<Event<?>> written = new ArrayList<>();
    written.add(TckData.alpha("first \"quoted\" \u00e9").withMetadata(Metadata.of(Metadata.CORRELATION_ID, "c-1")));
    written.add(TckData.beta("order", order, 1));
    written.add(TckData.beta("order", order, 2));
    written.add(Event.create("legacy.unregistered", new RawPayload(3, "{\"kept\":[1,2.5,\"x\"],\"nested\":{\"@class\":\"java.lang.Runtime\"}}"))
        .withAggregate("order", order, 3));
    if (!encodesPayloads()) {
      Codec codec = typedCodec();
      written.replaceAll(e -> e.data() instanceof RawPayload ? e : Event.of(
          e.id(), e.name(), e.time(), RawPayload.of(1, codec.encode(e.name(), e.data())), e.aggregateOrNull(),
          e.metadata(), 0));
    }
    typed.insert(written);
    return written;
  }

  @Test
  void aStoreReadRawHandsOutStoredJsonAndRevisions() {
    writeSource();
    List<Event<?>> raw = all(open(0, Codecs.raw()), EventQuery.all());
    assertThat(raw).hasSize(4);
    assertThat(raw).allSatisfy(e -> assertThat(e.data()).isInstanceOf(RawPayload.class));
    RawPayload last = (RawPayload) raw.get(3).data();
    assertThat(last.revision()).isEqualTo(3);
    assertThat(last.json()).contains("java.lang.Runtime").contains("kept");
    assertThat(((RawPayload) raw.get(0).data()).revision()).isEqualTo(1);
    assertThat(((RawPayload) raw.get(0).data()).json()).contains("quoted");
  }

  @Test
  void aStoreCopiedRawIntoAnotherReadsTheSameEventByEvent() {
    List<Event<?>> written = writeSource();
    List<Event<?>> exported = all(open(0, Codecs.raw()), EventQuery.all());
    EventStore target = open(1, Codecs.raw());
    target.insert(exported.stream().<Event<?>>map(e -> e.withPosition(0)).toList());
    List<Event<?>> imported = all(open(1, Codecs.raw()), EventQuery.all());
    assertThat(imported).hasSameSizeAs(exported);
    for (int i = 0; i < exported.size(); i++) {
      Event<?> a = exported.get(i);
      Event<?> b = imported.get(i);
      assertThat(b.id()).isEqualTo(a.id());
      assertThat(b.name()).isEqualTo(a.name());
      assertThat(b.time()).isEqualTo(a.time());
      assertThat(b.aggregateOrNull()).isEqualTo(a.aggregateOrNull());
      assertThat(b.metadata()).isEqualTo(a.metadata());
      assertThat(b.data()).as("payload text and revision of %s", a.name()).isEqualTo(a.data());
    }
    // The application reads the copy as it read the original.
    if (!encodesPayloads()) {
      return;
    }
    List<Event<?>> typed = all(open(1, Codecs.rawFallback(typedCodec())), EventQuery.all());
    for (int i = 0; i < written.size(); i++) {
      // A raw payload comes back as the store keeps its JSON (PostgreSQL's jsonb reformats it).
      assertThat(typed.get(i).data()).isEqualTo(
          written.get(i).data() instanceof RawPayload ? exported.get(i).data() : written.get(i).data());
    }
  }

  @Test
  void oneStreamExportsRawAndImportsAfterTheTargetsOwnEvents() {
    List<Event<?>> written = writeSource();
    UUID order = written.get(1).aggregateOrNull().id();
    List<Event<?>> stream = all(
        open(0, Codecs.raw()), EventQuery.builder().aggregateNames("order").aggregateIds(order).build());
    assertThat(stream).extracting(e -> e.aggregateOrNull().version()).containsExactly(1, 2, 3);
    EventStore target = open(1, Codecs.raw());
    target.insert(stream.stream().<Event<?>>map(e -> e.withPosition(0)).toList());
    List<Object> expected = stream.stream().<Object>map(Event::data).toList();
    assertThat(all(open(1, Codecs.raw()), EventQuery.all()).stream().<Object>map(Event::data).toList())
        .isEqualTo(expected);
  }
}
