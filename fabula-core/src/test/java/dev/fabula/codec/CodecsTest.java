package dev.fabula.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CodecsTest {
  @Test
  void rawPayloadsHoldOneJsonValueAndARevision() {
    assertThat(new RawPayload(3, " {\"a\": [1, true, null]} ").revision()).isEqualTo(3);
    assertThat(new RawPayload(1, "\"text\"").bytes()).isEqualTo("\"text\"".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> new RawPayload(0, "{}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, not 0");
    assertThatThrownBy(() -> new RawPayload(1, "{\"a\":"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be one JSON value");
    assertThatThrownBy(() -> new RawPayload(1, "{} {}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be one JSON value");
    assertThatThrownBy(() -> new RawPayload(1, "null"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON null");
    assertThatThrownBy(() -> new RawPayload(1, "@class"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rawDecodesAnyNameVerbatimAndWritesItBackAtItsOwnRevision() {
    Codec raw = Codecs.raw();
    byte[] stored = "{\"@class\":\"java.lang.Runtime\",\"n\":1.50}".getBytes(StandardCharsets.UTF_8);
    Object decoded = raw.decode("never.registered", 7, stored);
    assertThat(decoded).isEqualTo(new RawPayload(7, "{\"@class\":\"java.lang.Runtime\",\"n\":1.50}"));
    assertThat(raw.encode("never.registered", decoded)).isEqualTo(stored);
    assertThat(raw.revision("never.registered", decoded)).isEqualTo(7);
    assertThat(raw.registry().names()).isEmpty();
  }

  @Test
  void rawRefusesOtherDataAndBadJson() {
    Codec raw = Codecs.raw();
    assertThatThrownBy(() -> raw.encode("x", "a string"))
        .isInstanceOfSatisfying(PayloadException.class, e -> assertThat(e.name()).isEqualTo("x"))
        .hasMessageContaining("writes only RawPayload data, not java.lang.String");
    assertThatThrownBy(() -> raw.revision("x", 42)).isInstanceOf(PayloadException.class);
    assertThatThrownBy(() -> raw.decode("x", 1, "{".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(PayloadException.class).hasMessageContaining("must be one JSON value");
  }

  record Named(String name) {}

  /** A codec of one registered name that writes its data as {"name": ...}, for the fallback. */
  private static final class Plain implements Codec {
    private final CodecRegistry registry = CodecRegistry.builder().register("named", Named.class, 2).build();

    @Override
    public CodecRegistry registry() {
      return registry;
    }

    @Override
    public byte[] encode(String name, Object data) {
      registry.checkEncodable(name, data);
      return ("{\"name\":\"" + ((Named) data).name() + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Object decode(String name, int revision, byte[] bytes) {
      registry.type(name);
      String s = new String(bytes, StandardCharsets.UTF_8);
      return new Named(s.substring(9, s.length() - 2));
    }
  }

  @Test
  void fallbackDecodesRegisteredNamesNormallyAndOthersRaw() {
    Codec codec = Codecs.rawFallback(new Plain());
    byte[] named = "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(codec.decode("named", 2, named)).isEqualTo(new Named("x"));
    assertThat(codec.decode("other", 4, named)).isEqualTo(new RawPayload(4, "{\"name\":\"x\"}"));
    assertThat(codec.encode("named", new Named("y"))).isEqualTo("{\"name\":\"y\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(codec.revision("named", new Named("y"))).isEqualTo(2);
    assertThat(codec.encode("named", new RawPayload(1, "{\"name\":\"z\"}"))).isEqualTo("{\"name\":\"z\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(codec.revision("named", new RawPayload(1, "{}"))).isEqualTo(1);
    assertThatThrownBy(() -> codec.encode("other", new Named("y"))).isInstanceOf(UnknownNameException.class);
    assertThatThrownBy(() -> codec.revision("other", new Named("y"))).isInstanceOf(UnknownNameException.class);
    assertThat(Codecs.rawFallback(codec)).isSameAs(codec);
    assertThat(codec.registry()).isSameAs(codec.registry());
  }

  @Test
  void aFallbackWithoutACodecIsRefusedNamingIt() {
    assertThatThrownBy(() -> Codecs.rawFallback(null)).isInstanceOf(NullPointerException.class).hasMessage("codec");
  }
}
