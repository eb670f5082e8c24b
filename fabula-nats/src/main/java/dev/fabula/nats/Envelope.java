package dev.fabula.nats;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.spi.EventUpcasting;
import dev.fabula.spi.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The wire format of an event on NATS, version {@value #VERSION}: one JSON object (the module's
 * README describes it field by field). The payload is the codec's JSON, embedded as it is, with
 * its revision so that a reader upcasts older payloads. Unknown fields are ignored, so a version
 * may gain fields; a change a version-1 reader cannot skip gets a new version number.
 */
final class Envelope {
  /** The envelope version this module writes and reads. */
  static final int VERSION = 1;

  private static final long NANOS = 1_000_000_000L;

  private final Codec codec;

  Envelope(Codec codec) {
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  /** The registry of the codec that encodes and decodes payloads. */
  CodecRegistry registry() {
    return codec.registry();
  }

  /**
   * The event as an envelope.
   *
   * @throws dev.fabula.codec.UnknownNameException when the event's name is not registered
   * @throws IllegalArgumentException when the codec does not write JSON
   * @throws EventTimeOutOfRangeException when the event's time is outside what nanoseconds since
   *     the epoch in a {@code long} hold (about the years 1677 to 2262)
   */
  byte[] encode(Event<?> e) {
    byte[] payload = codec.encode(e.name(), e.data());
    try {
      Json.Reader check = new Json.Reader(payload);
      check.rawValue();
      check.expectEnd();
    } catch (Json.SyntaxException notJson) {
      throw new IllegalArgumentException(
          "the NATS envelope embeds payloads as JSON, but the codec encoded event " + e.id()
              + " (" + e.name() + ") as something else: " + notJson.getMessage(), notJson);
    }
    StringBuilder sb = new StringBuilder(192 + e.name().length());
    sb.append("{\"v\":").append(VERSION).append(",\"id\":\"").append(e.id()).append("\",\"name\":");
    Json.quote(sb, e.name());
    sb.append(",\"time\":").append(nanos(e));
    AggregateRef a = e.aggregateOrNull();
    if (a != null) {
      sb.append(",\"aggregate\":{\"name\":");
      Json.quote(sb, a.name());
      sb.append(",\"id\":\"").append(a.id()).append("\",\"version\":").append(a.version()).append('}');
    }
    sb.append(",\"position\":").append(e.position());
    sb.append(",\"metadata\":");
    Json.stringMap(sb, e.metadata().values());
    sb.append(",\"revision\":").append(codec.revision(e.name(), e.data())).append(",\"payload\":");
    byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + payload.length + 1];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(payload, 0, out, head.length, payload.length);
    out[out.length - 1] = '}';
    return out;
  }

  /**
   * The event an envelope holds.
   *
   * @throws BadMessageException when the bytes are not a version-{@value #VERSION} envelope of a
   *     registered event, the payload does not fit its type, or the envelope names an event other
   *     than the one the subject (its last token) stands for
   */
  Event<?> decode(String subject, byte[] bytes) {
    Sent sent = sent(subject, bytes);
    try {
      return sent.decode(codec);
    } catch (RuntimeException e) {
      throw new BadMessageException(subject, bytes.length, e);
    }
  }

  /**
   * The events an envelope reads as: its event, or what the codec's event upcasters make of it
   * (none, one or several) when its name has some (ADR 0021).
   *
   * @throws BadMessageException as {@link #decode}, or when an upcaster fails
   */
  List<Event<?>> decodeAll(String subject, byte[] bytes) {
    Sent sent = sent(subject, bytes);
    try {
      return EventUpcasting.upcasts(codec, sent.header().name())
          ? EventUpcasting.decode(codec, sent.header(), sent.revision(), sent.payload())
          : List.of(sent.decode(codec));
    } catch (RuntimeException e) {
      throw new BadMessageException(subject, bytes.length, e);
    }
  }

  /**
   * An envelope as sent: the event with its payload still bytes (the header's data), and the
   * payload's revision (the name's current one when the envelope gives none).
   */
  private record Sent(Event<?> header, int revision, byte[] payload) {
    Event<?> decode(Codec codec) {
      Object data = codec.decode(header.name(), revision, payload);
      return Event.of(header.id(), header.name(), header.time(), data, header.aggregateOrNull(), header.metadata(),
          header.position());
    }
  }

  /** The envelope read, its name checked against the subject; its payload not decoded yet. */
  private Sent sent(String subject, byte[] bytes) {
    Sent sent;
    try {
      sent = read(bytes);
    } catch (RuntimeException e) {
      throw new BadMessageException(subject, bytes.length, e);
    }
    Event<?> event = sent.header();
    String token = Subjects.token(event.name());
    int at = subject.length() - token.length();
    if (at < 1 || subject.charAt(at - 1) != '.' || !subject.startsWith(token, at)) {
      throw new BadMessageException(subject, bytes.length, new IllegalArgumentException(
          "the envelope names the event '" + event.name() + "', which is not the subject's"));
    }
    return sent;
  }

  private Sent read(byte[] bytes) {
    Json.Reader r = new Json.Reader(bytes);
    Integer version = null;
    UUID id = null;
    String name = null;
    Long time = null;
    AggregateRef aggregate = null;
    long position = 0;
    Metadata metadata = Metadata.empty();
    Integer revision = null;
    byte[] payload = null;
    r.expect('{');
    if (!r.consume('}')) {
      do {
        String key = r.string();
        r.expect(':');
        switch (key) {
          case "v" -> {
            version = r.intValue();
            if (version != VERSION) {
              throw new IllegalArgumentException(
                  "envelope version " + version + " is not supported; this reader knows version " + VERSION);
            }
          }
          case "id" -> id = UUID.fromString(r.string());
          case "name" -> name = r.string();
          case "time" -> time = r.integer();
          case "aggregate" -> aggregate = r.consumeNull() ? null : aggregate(r);
          case "position" -> position = r.integer();
          case "metadata" -> metadata = r.consumeNull() ? Metadata.empty() : metadata(r);
          case "revision" -> revision = r.intValue();
          case "payload" -> payload = r.rawValue();
          default -> r.rawValue(); // a later version 1 field this reader does not know
        }
      } while (r.consume(','));
      r.expect('}');
    }
    r.expectEnd();
    if (version == null) {
      throw new IllegalArgumentException("not a Fabula envelope: no version field \"v\"");
    }
    require(id, "id");
    require(name, "name");
    require(time, "time");
    require(payload, "payload");
    int rev = revision == null ? codec.registry().revision(name) : revision;
    Instant at = Instant.ofEpochSecond(Math.floorDiv(time, NANOS), Math.floorMod(time, NANOS));
    return new Sent(Event.of(id, name, at, payload, aggregate, metadata, position), rev, payload);
  }

  private static void require(@Nullable Object value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("the envelope has no \"" + field + "\"");
    }
  }

  private static AggregateRef aggregate(Json.Reader r) {
    String name = null;
    UUID id = null;
    Integer version = null;
    r.expect('{');
    if (!r.consume('}')) {
      do {
        String key = r.string();
        r.expect(':');
        switch (key) {
          case "name" -> name = r.string();
          case "id" -> id = UUID.fromString(r.string());
          case "version" -> version = r.intValue();
          default -> r.rawValue();
        }
      } while (r.consume(','));
      r.expect('}');
    }
    require(name, "aggregate.name");
    require(id, "aggregate.id");
    require(version, "aggregate.version");
    return new AggregateRef(name, id, version);
  }

  private static Metadata metadata(Json.Reader r) {
    Map<String, String> values = r.stringMap();
    return values.isEmpty() ? Metadata.empty() : new Metadata(values);
  }

  /** The event's time in nanoseconds since the epoch. */
  private static long nanos(Event<?> e) {
    Instant t = e.time();
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS), t.getNano());
    } catch (ArithmeticException overflow) {
      throw new EventTimeOutOfRangeException(e.id(), t);
    }
  }
}
