/**
 * The JSON encoding of Fabula's codec registry, on Jackson. Exports {@code dev.fabula.jackson}.
 *
 * <p>Jackson reads and writes your event, command and snapshot types reflectively, so a module of
 * yours that holds them must make their package readable to {@code com.fasterxml.jackson.databind}:
 * {@code opens com.example.shop.events to com.fasterxml.jackson.databind;} (ADR 0016).
 */
module dev.fabula.jackson {
  // JacksonCodec.create(CodecRegistry, ObjectMapper) and defaultMapper() expose both.
  requires transitive dev.fabula.core;
  requires transitive com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.datatype.jdk8;
  requires com.fasterxml.jackson.datatype.jsr310;

  exports dev.fabula.jackson;
}
