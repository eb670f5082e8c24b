package dev.fabula.console;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fabula.codec.Codec;
import dev.fabula.codec.RawPayload;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.jackson.JacksonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The console's JSON: events with their payloads as the codec registry encodes them, and the
 * writer of every API answer.
 *
 * <p>A payload is shown only through the registry: a registered name whose data is of the
 * registered type is encoded by the codec ({@code "payloadStatus": "decoded"}); a {@link
 * RawPayload} (what a store built with {@code Codecs.rawFallback} reads for a name the registry does
 * not know) is shown as its stored JSON text ({@code "raw"}, with its revision); other data under a name
 * the registry does not know is never handed to Jackson's reflective writer: it is shown only if it
 * is plain JSON already (maps, lists, strings, numbers, booleans, as an untyped store holds it:
 * {@code "raw"}), else not at all ({@code "not-registered"}).
 *
 * <p>Answers escape {@code <}, {@code >}, {@code &} and {@code '} as {@code \}{@code u} escapes, so
 * that no API answer holds markup even if a browser were made to read it as HTML.
 */
final class Json {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_RAW_DEPTH = 64;

  private final ObjectMapper mapper;
  private final Codec codec;

  Json(Codec codec) {
    this.codec = codec;
    this.mapper = JacksonCodec.defaultMapper();
    mapper.getFactory().setCharacterEscapes(new HtmlSafe());
  }

  ObjectMapper mapper() {
    return mapper;
  }

  byte[] write(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonNode read(String text) {
    try {
      return mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("the request body is not JSON: " + e.getOriginalMessage());
    }
  }

  ObjectNode event(Event<?> e) {
    ObjectNode n = NODES.objectNode();
    n.put("position", e.position());
    n.put("id", e.id().toString());
    n.put("name", e.name());
    n.put("time", e.time().toString());
    AggregateRef ref = e.aggregateOrNull();
    if (ref == null) {
      n.putNull("aggregate");
    } else {
      ObjectNode a = n.putObject("aggregate");
      a.put("type", ref.name());
      a.put("id", ref.id().toString());
      a.put("version", ref.version());
    }
    ObjectNode meta = n.putObject("metadata");
    e.metadata().values().forEach(meta::put);
    payload(e, n);
    return n;
  }

  /**
   * An event the store could not decode, by what the failure names: never its payload, which the
   * registry does not know (or which no longer fits the registered type).
   */
  ObjectNode undecodable(EventDecodingException failure) {
    ObjectNode n = NODES.objectNode();
    n.put("position", failure.position());
    n.put("id", failure.eventId().toString());
    n.put("name", failure.eventName());
    n.putNull("time");
    n.putNull("aggregate");
    n.putObject("metadata");
    n.putNull("payload");
    n.put("payloadStatus", "undecodable");
    Throwable cause = failure.getCause();
    n.put("payloadNote", "the store could not decode this event: " + (cause == null ? failure.getMessage() : cause.getMessage()));
    return n;
  }

  private void payload(Event<?> e, ObjectNode n) {
    Object data = e.data();
    if (data instanceof RawPayload raw) {
      try {
        n.set("payload", mapper.readTree(raw.json()));
        n.put("payloadStatus", "raw");
        n.put("payloadRevision", raw.revision());
      } catch (IOException | RuntimeException ex) {
        n.putNull("payload");
        n.put("payloadStatus", "error");
        n.put("payloadNote", "the stored JSON could not be read: " + ex.getMessage());
      }
      return;
    }
    var registry = codec.registry();
    if (!registry.contains(e.name())) {
      JsonNode raw = plain(data, 0);
      if (raw == null) {
        n.putNull("payload");
        n.put("payloadStatus", "not-registered");
        n.put("payloadNote", "the codec registry does not know '" + e.name() + "': the payload is not shown");
      } else {
        n.set("payload", raw);
        n.put("payloadStatus", "raw");
      }
      return;
    }
    Class<?> type = registry.type(e.name());
    if (!type.isInstance(data)) {
      n.putNull("payload");
      n.put("payloadStatus", "error");
      n.put("payloadNote", "the payload is a " + data.getClass().getName() + ", not the registered " + type.getName());
      return;
    }
    try {
      n.set("payload", mapper.readTree(codec.encode(e.name(), data)));
      n.put("payloadStatus", "decoded");
    } catch (IOException | RuntimeException ex) {
      n.putNull("payload");
      n.put("payloadStatus", "error");
      n.put("payloadNote", "the codec could not encode the payload: " + ex.getMessage());
    }
  }

  /** {@code value} as JSON if it is plain JSON data (no other type is looked into), else null. */
  static @Nullable JsonNode plain(@Nullable Object value, int depth) {
    if (depth > MAX_RAW_DEPTH) {
      return null;
    }
    return switch (value) {
      case null -> NODES.nullNode();
      case String s -> NODES.textNode(s);
      case Boolean b -> NODES.booleanNode(b);
      case Integer i -> NODES.numberNode(i);
      case Long l -> NODES.numberNode(l);
      case Double d -> NODES.numberNode(d);
      case BigDecimal d -> NODES.numberNode(d);
      case BigInteger i -> NODES.numberNode(i);
      case Map<?, ?> m -> {
        ObjectNode o = NODES.objectNode();
        for (var entry : m.entrySet()) {
          if (!(entry.getKey() instanceof String key)) {
            yield null;
          }
          JsonNode v = plain(entry.getValue(), depth + 1);
          if (v == null) {
            yield null;
          }
          o.set(key, v);
        }
        yield o;
      }
      case List<?> l -> {
        ArrayNode a = NODES.arrayNode();
        for (Object item : l) {
          JsonNode v = plain(item, depth + 1);
          if (v == null) {
            yield null;
          }
          a.add(v);
        }
        yield a;
      }
      default -> null;
    };
  }

  /** Escapes the characters HTML gives meaning to, so that JSON text never holds markup. */
  private static final class HtmlSafe extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] escapes;

    HtmlSafe() {
      escapes = CharacterEscapes.standardAsciiEscapesForJSON();
      for (char c : new char[] {'<', '>', '&', '\''}) {
        escapes[c] = CharacterEscapes.ESCAPE_STANDARD;
      }
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return escapes;
    }

    @Override
    public @Nullable SerializableString getEscapeSequence(int ch) {
      return null;
    }
  }
}
