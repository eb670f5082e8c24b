package dev.fabula.codec;

import java.util.Map;

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
   * The revision under which {@link #encode} writes {@code data} for {@code name}: by default the
   * name's current revision in the registry. Stores record this with each payload; a codec that
   * writes payloads verbatim ({@link Codecs#raw()}) answers the revision they carry.
   *
   * @throws UnknownNameException when the name is not registered (by default)
   */
  default int revision(String name, Object data) {
    return registry().revision(name);
  }

  /**
   * Encodes {@code data} under {@code name}, in the revision {@link #revision(String, Object)}
   * answers (the name's current one by default).
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

  /**
   * Reads a payload stored under {@code name} as a JSON-like tree (maps with string keys, lists,
   * strings, numbers, booleans and nulls), as {@link EventUpcaster}s and {@link Upcaster}s take
   * it. The name need not be registered: an event stored under an old name is read this way.
   *
   * @throws PayloadException when the bytes are not an object of this codec's format
   * @throws UnsupportedOperationException when this codec has no tree form (the default), so
   *     that it cannot serve a registry with event upcasters
   */
  default Map<String, Object> readTree(String name, byte[] bytes) {
    throw new UnsupportedOperationException(
        getClass().getName() + " cannot read payloads as trees, so it cannot run event upcasters");
  }

  /**
   * Turns a tree in the current revision's shape of {@code name} into its registered type.
   *
   * @throws UnknownNameException when the name is not registered
   * @throws PayloadException when the tree does not fit the registered type
   * @throws UnsupportedOperationException when this codec has no tree form (the default)
   */
  default Object fromTree(String name, Map<String, Object> tree) {
    throw new UnsupportedOperationException(
        getClass().getName() + " cannot read payloads as trees, so it cannot run event upcasters");
  }
}
