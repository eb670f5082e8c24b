package dev.fabula.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import dev.fabula.codec.RawPayload;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.jackson.JacksonCodec;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The export format: one event per line, a JSON object of {@code position} (informative, ignored
 * on import), {@code id}, {@code name}, {@code revision}, {@code time} (ISO-8601, nanoseconds),
 * {@code aggregate} ({@code {"type", "id", "version"}} or {@code null}), {@code metadata} (strings)
 * and {@code payload}, the stored JSON as it is. A payload's text is copied, not re-encoded, both
 * ways, so numbers and key order survive exactly; only line breaks between its tokens (which JSON
 * allows and a line cannot hold) become spaces.
 */
final class EventLines {
  /** Reads whatever a store accepts: the codec's limits (16 MiB strings, long numbers, deep nesting). */
  private final JsonFactory json = JacksonCodec.defaultMapper().getFactory();

  /** The line of a stored event whose data is a {@link RawPayload}, without the line break. */
  String write(Event<?> e) {
    var out = new StringWriter(256 + raw(e).json().length());
    try (JsonGenerator g = json.createGenerator(out)) {
      write(e, g);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toString();
  }

  /**
   * A generator writing lines one after another to {@code out} (through a buffer of its own, flushed
   * by {@link JsonGenerator#flush()}): nothing between two events but the line break {@link
   * #writeLine} adds, and {@code out} left open when the generator closes.
   */
  JsonGenerator lines(Writer out) throws IOException {
    JsonGenerator g = json.createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.setRootValueSeparator(null);
    return g;
  }

  /**
   * Writes the line of a stored event, read raw, and its line break to a generator from {@link
   * #lines}: the same text as {@link #write(Event)}, without a string per event in between (an
   * export writes millions).
   */
  void writeLine(Event<?> e, JsonGenerator g) throws IOException {
    write(e, g);
    g.writeRaw('\n');
  }

  private static RawPayload raw(Event<?> e) {
    if (!(e.data() instanceof RawPayload raw)) {
      throw new IllegalStateException("event " + e.id() + " was not read raw");
    }
    return raw;
  }

  private static void write(Event<?> e, JsonGenerator g) throws IOException {
    RawPayload raw = raw(e);
    g.writeStartObject();
    g.writeNumberField("position", e.position());
    g.writeStringField("id", e.id().toString());
    g.writeStringField("name", e.name());
    g.writeNumberField("revision", raw.revision());
    g.writeStringField("time", e.time().toString());
    AggregateRef ref = e.aggregateOrNull();
    if (ref == null) {
      g.writeNullField("aggregate");
    } else {
      g.writeObjectFieldStart("aggregate");
      g.writeStringField("type", ref.name());
      g.writeStringField("id", ref.id().toString());
      g.writeNumberField("version", ref.version());
      g.writeEndObject();
    }
    g.writeObjectFieldStart("metadata");
    for (Map.Entry<String, String> m : e.metadata().values().entrySet()) {
      g.writeStringField(m.getKey(), m.getValue());
    }
    g.writeEndObject();
    g.writeFieldName("payload");
    g.writeRawValue(oneLine(raw.json()));
    g.writeEndObject();
  }

  /** {@code json} with its line breaks, which only stand between tokens, made spaces. */
  static String oneLine(String json) {
    return json.indexOf('\n') < 0 && json.indexOf('\r') < 0 ? json : json.replace('\r', ' ').replace('\n', ' ');
  }

  /**
   * The event of one line, its payload a {@link RawPayload} of the line's payload text.
   *
   * @throws CliException ({@link Exit#USAGE}) naming the line and what is wrong with it
   */
  Event<RawPayload> read(String line, long lineNumber) {
    try (JsonParser p = json.createParser(line)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "is not a JSON object");
      UUID id = null;
      String name = null;
      Integer revision = null;
      Instant time = null;
      AggregateRef aggregate = null;
      Map<String, String> metadata = new LinkedHashMap<>();
      String payload = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "position" -> expect(value == JsonToken.VALUE_NUMBER_INT, "position is not an integer");
          case "id" -> id = uuid(p, value, "id");
          case "name" -> name = text(p, value, "name");
          case "revision" -> {
            expect(value == JsonToken.VALUE_NUMBER_INT, "revision is not an integer");
            revision = p.getIntValue();
          }
          case "time" -> time = Instant.parse(text(p, value, "time"));
          case "aggregate" -> aggregate = value == JsonToken.VALUE_NULL ? null : aggregate(p, value);
          case "metadata" -> {
            expect(value == JsonToken.START_OBJECT, "metadata is not an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String key = p.currentName();
              metadata.put(key, text(p, p.nextToken(), "metadata." + key));
            }
          }
          case "payload" -> {
            int start = (int) p.currentTokenLocation().getCharOffset();
            p.skipChildren();
            p.finishToken();
            int end = (int) p.currentLocation().getCharOffset();
            payload = line.substring(start, end);
          }
          default -> throw new IllegalArgumentException("has an unknown field '" + field + "'");
        }
      }
      expect(p.nextToken() == null, "has content after its object");
      expect(id != null, "has no id");
      expect(name != null, "has no name");
      expect(revision != null, "has no revision");
      expect(time != null, "has no time");
      expect(payload != null, "has no payload");
      return Event.of(id, name, time, new RawPayload(revision, payload), aggregate, new Metadata(metadata), 0);
    } catch (StreamReadException e) {
      throw bad(lineNumber, "is not JSON: " + e.getOriginalMessage());
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw bad(lineNumber, e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static AggregateRef aggregate(JsonParser p, JsonToken start) throws IOException {
    expect(start == JsonToken.START_OBJECT, "aggregate is neither an object nor null");
    String type = null;
    UUID id = null;
    Integer version = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "type" -> type = text(p, value, "aggregate.type");
        case "id" -> id = uuid(p, value, "aggregate.id");
        case "version" -> {
          expect(value == JsonToken.VALUE_NUMBER_INT, "aggregate.version is not an integer");
          version = p.getIntValue();
        }
        default -> throw new IllegalArgumentException("has an unknown field 'aggregate." + field + "'");
      }
    }
    expect(type != null && id != null && version != null, "has an aggregate without type, id or version");
    return new AggregateRef(type, id, version);
  }

  private static String text(JsonParser p, @Nullable JsonToken value, String field) throws IOException {
    expect(value == JsonToken.VALUE_STRING, field + " is not a string");
    return p.getText();
  }

  private static UUID uuid(JsonParser p, @Nullable JsonToken value, String field) throws IOException {
    String s = text(p, value, field);
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not a UUID: " + s, e);
    }
  }

  private static void expect(boolean ok, String otherwise) {
    if (!ok) {
      throw new IllegalArgumentException(otherwise);
    }
  }

  private static CliException bad(long lineNumber, @Nullable String what) {
    return new CliException(Exit.USAGE, "line " + lineNumber + " of the input " + what);
  }
}
