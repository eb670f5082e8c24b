/**
 * Names to Java types: the {@link dev.fabula.codec.CodecRegistry} says which type each event,
 * command and snapshot name decodes into, and a {@link dev.fabula.codec.Codec} turns payloads into
 * bytes and back (JSON in {@code fabula-jackson}). Only registered types are ever instantiated.
 */
@NullMarked
package dev.fabula.codec;

import org.jspecify.annotations.NullMarked;
