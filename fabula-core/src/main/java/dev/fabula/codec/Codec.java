package dev.fabula.codec;

/**
 * Encodes payloads to bytes and back, for the names of a {@link CodecRegistry}. Persistent
 * backends and distributed buses use a codec; the in-memory defaults don't need one. {@code
 * fabula-jackson} provides the JSON codec.
 *
 * <p>Promises: {@link #decode} instantiates only the type registered for the name, never a type
 * named in the data; older revisions are upcast before decoding.
 */
public interface Codec {
  /** The registry this codec serves. */
  CodecRegistry registry();

  /**
   * Encodes {@code data} under {@code name}, in the name's current revision.
   *
   * @throws UnknownNameException when the name is not registered
   * @throws PayloadException when {@code data} is not of the registered type or can't be encoded
   */
  byte[] encode(String name, Object data);

  /**
   * Decodes a payload stored under {@code name} at {@code revision}, upcasting it first when the
   * revision is older than the current one.
   *
   * @throws UnknownNameException when the name is not registered
   * @throws PayloadException when the bytes do not fit the registered type
   */
  Object decode(String name, int revision, byte[] bytes);

  /** Decodes a payload of the name's current revision. */
  default Object decode(String name, byte[] bytes) {
    return decode(name, registry().revision(name), bytes);
  }
}
