package dev.fabula.codec;

import dev.fabula.spi.Json;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An event's payload exactly as a store keeps it: its JSON text and the revision it was written
 * at, read without any Java type of the application (ADR 0024). {@link Codecs#raw()} reads every
 * event as one, {@link Codecs#rawFallback(Codec)} the events whose names the registry does not
 * know; both write one back verbatim, at its own revision, so a tool without the application's
 * types can read, export and import a store.
 *
 * <p>Promises: the text is one syntactically valid JSON value other than {@code null} (checked on
 * creation, nothing else is read from it); it is never upcast, never turned into an object, and
 * never names or instantiates a class.
 *
 * @param revision the payload's revision, at least 1
 * @param json the payload as JSON text
 */
public record RawPayload(int revision, String json) {
  /**
   * Checks the payload.
   *
   * @throws IllegalArgumentException when the revision is below 1, or the text is not exactly one
   *     JSON value or is {@code null}
   */
  public RawPayload {
    Objects.requireNonNull(json, "json");
    if (revision < 1) {
      throw new IllegalArgumentException("a payload revision is at least 1, not " + revision);
    }
    check(json.getBytes(StandardCharsets.UTF_8));
  }

  /** A raw payload of {@code bytes}, UTF-8 JSON text. */
  public static RawPayload of(int revision, byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return new RawPayload(revision, new String(bytes, StandardCharsets.UTF_8));
  }

  /** The JSON text as UTF-8 bytes, as a codec writes it. */
  public byte[] bytes() {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static void check(byte[] bytes) {
    Json.Reader reader = new Json.Reader(bytes);
    try {
      if (reader.peek() == 'n' && reader.consumeNull()) {
        reader.expectEnd();
        throw new IllegalArgumentException("a raw payload is not JSON null (an event always has data)");
      }
      reader.rawValue();
      reader.expectEnd();
    } catch (Json.SyntaxException e) {
      throw new IllegalArgumentException("a raw payload must be one JSON value: " + e.getMessage(), e);
    }
  }
}
