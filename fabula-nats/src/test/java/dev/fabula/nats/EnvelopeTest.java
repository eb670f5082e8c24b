package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.codec.UnknownNameException;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import dev.fabula.tck.TckData.Beta;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The envelope carries every field of an event exactly, and says why it cannot read a message. */
class EnvelopeTest {
  private final Envelope envelope = new Envelope(TestNats.codec());

  @Test
  void roundTripsEveryField() {
    Event<Beta> e =
        TckData.beta("order \"quoted\"", UUID.randomUUID(), 7)
            .withTime(Instant.parse("2026-12-05T23:59:59.123456789Z"))
            .withMetadata(new Metadata(Map.of("correlationId", "c-1", "ünïcode\n", "tab\there \\ \"q\"")))
            .withPosition(42);
    Event<?> back = envelope.decode(subjectOf(e.name()), envelope.encode(e));
    assertThat(back).isEqualTo(e);
    assertThat(back.time().getNano()).isEqualTo(123456789);
  }

  @Test
  void roundTripsAnEventWithoutAggregateAndBeforeTheEpoch() {
    Event<Alpha> e = TckData.alpha("a 😀 \u0001").withTime(Instant.parse("1969-12-31T23:59:59.999999999Z"));
    assertThat(envelope.decode(subjectOf(e.name()), envelope.encode(e))).isEqualTo(e);
  }

  @Test
  void aRawPayloadTravelsVerbatimWithItsOwnRevision() {
    Envelope raw = new Envelope(dev.fabula.codec.Codecs.rawFallback(TestNats.codec()));
    Event<?> e = Event.create("not.registered", new dev.fabula.codec.RawPayload(3, "{\"n\":1.50}"));
    byte[] bytes = raw.encode(e);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"revision\":3,\"payload\":{\"n\":1.50}}");
    assertThat(raw.decode(subjectOf(e.name()), bytes).data()).isEqualTo(new dev.fabula.codec.RawPayload(3, "{\"n\":1.50}"));
  }

  @Test
  void readsTheReadmeExample() {
    String json = """
        {"v":1,"id":"01939a4e-7c1a-7b3e-9f2a-5d6c7e8f9a0b","name":"tck.beta",
         "time":1733443200123456789,
         "aggregate":{"name":"order","id":"6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f","version":3},
         "position":0,"metadata":{"correlationId":"req-17"},
         "revision":1,"payload":{"number":12}}
        """;
    Event<?> e = envelope.decode(subjectOf("tck.beta"), json.getBytes(StandardCharsets.UTF_8));
    assertThat(e.name()).isEqualTo("tck.beta");
    assertThat(e.data()).isEqualTo(new Beta(12));
    assertThat(e.time()).isEqualTo(Instant.ofEpochSecond(1733443200L, 123456789));
    assertThat(e.aggregateOrNull().version()).isEqualTo(3);
    assertThat(e.metadata().correlationId()).contains("req-17");
  }

  @Test
  void unknownFieldsOfVersionOneAreSkipped() {
    String json = "{\"v\":1,\"later\":{\"x\":[1,2.5e3,true,null]},\"id\":\"" + UUID.randomUUID()
        + "\",\"name\":\"tck.alpha\",\"time\":5,\"payload\":{\"text\":\"t\"}}";
    assertThat(envelope.decode(subjectOf("tck.alpha"), json.getBytes(StandardCharsets.UTF_8)).data()).isEqualTo(new Alpha("t"));
  }

  @Test
  void namesSubjectAndSizeOfWhatItCannotRead() {
    byte[] garbage = "hello".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> envelope.decode("fabula.events.x", garbage))
        .isInstanceOfSatisfying(BadMessageException.class, e -> {
          assertThat(e.subject()).isEqualTo("fabula.events.x");
          assertThat(e.size()).isEqualTo(5);
        })
        .hasMessageContaining("fabula.events.x")
        .hasMessageContaining("5 bytes");

    byte[] v2 = ("{\"v\":2,\"id\":\"" + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> envelope.decode("s", v2))
        .isInstanceOf(BadMessageException.class)
        .hasMessageContaining("envelope version 2 is not supported");

    byte[] unknown = envelope.encode(TckData.alpha("x")).clone();
    String renamed = new String(unknown, StandardCharsets.UTF_8).replace("tck.alpha", "no.such.event");
    assertThatThrownBy(() -> envelope.decode(subjectOf("no.such.event"), renamed.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(BadMessageException.class)
        .hasCauseInstanceOf(UnknownNameException.class);

    byte[] noVersion = "{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> envelope.decode("s", noVersion))
        .isInstanceOf(BadMessageException.class)
        .hasMessageContaining("not a Fabula envelope");
  }

  private static String subjectOf(String name) {
    return "fabula.events." + Subjects.token(name);
  }

  @Test
  void anEnvelopeNamingAnotherEventThanItsSubjectIsABadMessage() {
    byte[] alpha = envelope.encode(TckData.alpha("x"));
    assertThatThrownBy(() -> envelope.decode(subjectOf("order.placed"), alpha))
        .isInstanceOfSatisfying(BadMessageException.class,
            e -> assertThat(e.subject()).isEqualTo("fabula.events.order_2Eplaced"))
        .hasMessageContaining("names the event 'tck.alpha'");
    // The name must be the subject's whole last token, not its end.
    assertThatThrownBy(() -> envelope.decode("fabula.events.x" + Subjects.token("tck.alpha"), alpha))
        .isInstanceOf(BadMessageException.class);
    assertThatThrownBy(() -> envelope.decode(Subjects.token("tck.alpha"), alpha))
        .isInstanceOf(BadMessageException.class);
  }

  @Test
  void refusesToEncodeATimeOutsideTheNanosecondRange() {
    Event<Alpha> e = TckData.alpha("x").withTime(Instant.parse("2300-01-01T00:00:00Z"));
    assertThatThrownBy(() -> envelope.encode(e))
        .isInstanceOf(EventTimeOutOfRangeException.class)
        .hasMessageContaining(e.id().toString())
        .hasMessageContaining("2300-01-01T00:00:00Z");
  }

  @Test
  void refusesToEncodeWithACodecThatDoesNotWriteJson() {
    dev.fabula.codec.Codec binary = new dev.fabula.codec.Codec() {
      @Override
      public dev.fabula.codec.CodecRegistry registry() {
        return TckData.registry();
      }

      @Override
      public byte[] encode(String name, Object data) {
        return new byte[] {1, 2, 3};
      }

      @Override
      public Object decode(String name, int revision, byte[] bytes) {
        throw new UnsupportedOperationException();
      }
    };
    assertThatThrownBy(() -> new Envelope(binary).encode(TckData.alpha("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON");
  }
}
