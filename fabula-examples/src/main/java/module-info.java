/**
 * Fabula's runnable examples: an application module, so it exports nothing. Run one on the module
 * path with {@code java --module-path ... --module
 * dev.fabula.examples/dev.fabula.examples.shop.ShopExample}.
 */
module dev.fabula.examples {
  requires dev.fabula.core;
  requires dev.fabula.jackson;
  requires dev.fabula.postgres;
  requires dev.fabula.mongodb;
  requires dev.fabula.nats;
  requires dev.fabula.console;
  requires static org.jspecify;

  // What an application module must do for Jackson (ADR 0016): the shop's command payloads are
  // encoded as JSON by JacksonCodec, which reads the records reflectively.
  opens dev.fabula.examples.shop to com.fasterxml.jackson.databind;
  opens dev.fabula.examples.orders to com.fasterxml.jackson.databind;
  opens dev.fabula.examples.payments to com.fasterxml.jackson.databind;
}
