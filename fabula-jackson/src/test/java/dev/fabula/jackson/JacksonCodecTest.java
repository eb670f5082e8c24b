package dev.fabula.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.PayloadException;
import dev.fabula.codec.UnknownNameException;
import java.nio.charset.StandardCharsets;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JacksonCodecTest {
  record Created(String name, long price, Instant at) {}

  record Renamed(String newName) {}

  record Ledger(List<Renamed> entries) {}

  record Tagged(Map<String, String> tags) {}

  record Amount(BigDecimal value) {}

  private final JacksonCodec codec =
      JacksonCodec.create(
          CodecRegistry.builder()
              .register("product.created", Created.class)
              .register("product.renamed", Renamed.class, 2)
              .upcaster(
                  "product.renamed",
                  1,
                  tree -> {
                    tree.put("newName", tree.remove("name"));
                    return tree;
                  })
              .register("ledger", Ledger.class)
              .register("tagged", Tagged.class)
              .register("amount", Amount.class)
              .build());

  @Test
  void readsBackWhatItWritesUpToThePayloadLimit() {
    // Jackson's default reader stops at property names of 50,000 characters and numbers of 1,000
    // digits, which its writer writes without complaint: events that could be stored, never read.
    var tagged = new Tagged(Map.of("k".repeat(60_000), "v"));
    assertThat(codec.decode("tagged", codec.encode("tagged", tagged))).isEqualTo(tagged);
    var amount = new Amount(new BigDecimal("7".repeat(5_000)));
    assertThat(codec.decode("amount", codec.encode("amount", amount))).isEqualTo(amount);
  }

  @Test
  void numbersStayWithinWhatPostgresNumericHolds() {
    // The longest number PostgreSQL stores (and returns, spelt out) reads back ...
    var longest = new Amount(new BigDecimal("-" + "7".repeat(JacksonCodec.MAX_INTEGER_DIGITS) + "."
        + "3".repeat(JacksonCodec.MAX_FRACTION_DIGITS)));
    byte[] json = codec.encode("amount", longest);
    assertThat(codec.decode("amount", json)).isEqualTo(longest);
    // ... one digit more is refused on write, naming the limit ...
    assertThatThrownBy(() -> codec.encode("amount", new Amount(new BigDecimal("7".repeat(JacksonCodec.MAX_INTEGER_DIGITS + 1)))))
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("'amount'")
        .hasMessageContaining("numeric");
    assertThatThrownBy(() -> codec.encode("amount", new Amount(new BigDecimal("0." + "3".repeat(JacksonCodec.MAX_FRACTION_DIGITS + 1)))))
        .isInstanceOf(PayloadException.class);
    assertThatThrownBy(() -> codec.encode("amount", new Amount(new BigDecimal("1E+200000"))))
        .as("an exponent counts as the digits PostgreSQL would store")
        .isInstanceOf(PayloadException.class);
    // ... and the reader does not parse a longer number than anything stored can hold.
    String tooLong = "{\"value\":" + "7".repeat(JacksonCodec.MAX_NUMBER_LENGTH + 1) + "}";
    assertThatThrownBy(() -> decode("amount", tooLong)).isInstanceOf(PayloadException.class);
  }

  @Test
  void propertyNamesAreNotInterned() {
    var factory = JacksonCodec.defaultMapper().getFactory();
    assertThat(factory.isEnabled(com.fasterxml.jackson.core.JsonFactory.Feature.INTERN_FIELD_NAMES)).isFalse();
    String name = "n".repeat(1000) + System.nanoTime();
    var tagged = new Tagged(Map.of(name, "v"));
    Tagged read = (Tagged) codec.decode("tagged", codec.encode("tagged", tagged));
    assertThat(read).isEqualTo(tagged);
  }

  @Test
  void aJsonNullPayloadIsAPayloadError() {
    assertThatThrownBy(() -> codec.decode("product.created", "null".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("'product.created'")
        .hasMessageContaining("null");
  }

  @Test
  void roundTripsRecordsWithNanosecondTimes() {
    var data = new Created("Wireless Mouse", 2999, Instant.parse("2026-11-25T10:15:30.123456789Z"));
    byte[] json = codec.encode("product.created", data);
    assertThat(codec.decode("product.created", json)).isEqualTo(data);
    assertThat(new String(json, StandardCharsets.UTF_8)).contains("2026-11-25T10:15:30.123456789Z");
  }

  @Test
  void writesNoClassNames() {
    byte[] json = codec.encode("ledger", new Ledger(List.of(new Renamed("a"))));
    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo("{\"entries\":[{\"newName\":\"a\"}]}")
        .doesNotContain("dev.fabula");
  }

  @Test
  void unknownNameFailsOnEncodeAndDecode() {
    assertThatThrownBy(() -> codec.encode("product.deleted", new Renamed("x")))
        .isInstanceOf(UnknownNameException.class)
        .hasMessageContaining("'product.deleted'");
    assertThatThrownBy(() -> codec.decode("product.deleted", "{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(UnknownNameException.class)
        .hasMessageContaining("'product.deleted'");
  }

  @Test
  void dataOfAnotherTypeIsRejectedOnEncode() {
    assertThatThrownBy(() -> codec.encode("product.created", new Renamed("x")))
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("product.created")
        .hasMessageContaining(Created.class.getName())
        .hasMessageContaining(Renamed.class.getName());
  }

  @Test
  void payloadThatDoesNotFitItsTypeIsRejected() {
    assertThatThrownBy(() -> decode("product.created", "{\"name\":\"x\",\"price\":\"cheap\",\"at\":\"2026-01-01T00:00:00Z\"}"))
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("'product.created'");
    assertThatThrownBy(() -> decode("product.created", "{\"name\":\"x\"}"))
        .as("missing record components")
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("price");
    assertThatThrownBy(() -> decode("product.created", "{\"name\":\"x\",\"price\":1,\"at\":\"2026-01-01T00:00:00Z\",\"extra\":1}"))
        .as("unknown property")
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("extra");
    assertThatThrownBy(() -> decode("product.created", "{not json"))
        .isInstanceOf(PayloadException.class);
  }

  @Test
  void classNamesInTheDataAreNeverInstantiated() {
    // A gadget-style payload: with default typing this would ask Jackson to load a class.
    String hostile = "{\"entries\":[[\"java.net.URL\",\"http://127.0.0.1/\"]]}";
    assertThatThrownBy(() -> decode("ledger", hostile)).isInstanceOf(PayloadException.class);
  }

  @Test
  void upcastsOlderRevisions() {
    Object decoded = codec.decode("product.renamed", 1, "{\"name\":\"Mouse\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(decoded).isEqualTo(new Renamed("Mouse"));
    assertThat(codec.decode("product.renamed", 2, "{\"newName\":\"Pad\"}".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(new Renamed("Pad"));
  }

  @Test
  void revisionWithoutUpcasterPathIsRejected() {
    assertThatThrownBy(() -> codec.decode("product.renamed", 3, "{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("revision 3");
    assertThatThrownBy(() -> codec.decode("product.created", 0, "{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(PayloadException.class);
  }

  private Object decode(String name, String json) {
    return codec.decode(name, json.getBytes(StandardCharsets.UTF_8));
  }
}
