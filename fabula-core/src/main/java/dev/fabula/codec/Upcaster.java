package dev.fabula.codec;

import java.util.Map;

/**
 * Turns a stored payload of one revision into the shape of the next revision, on read. Payloads
 * are given as a JSON-like tree: maps with string keys, lists, strings, numbers, booleans and
 * nulls. Register one per revision step with {@link CodecRegistry.Builder#upcaster}.
 */
@FunctionalInterface
public interface Upcaster {
  /**
   * Returns the payload in the next revision's shape. May modify and return {@code payload}.
   *
   * @param payload the payload in the older revision's shape
   */
  Map<String, Object> upcast(Map<String, Object> payload);
}
