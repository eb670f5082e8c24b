/** JSON encoding for the codec registry, on Jackson: {@link dev.fabula.jackson.JacksonCodec}. */
@NullMarked
package dev.fabula.jackson;

import org.jspecify.annotations.NullMarked;
