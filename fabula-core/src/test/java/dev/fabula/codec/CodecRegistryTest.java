package dev.fabula.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecRegistryTest {
  record Created(String name) {}

  @Test
  void mapsNamesToTypesAndBack() {
    CodecRegistry r = CodecRegistry.builder().register("created", Created.class).registerSnapshot("product", Created.class).build();
    assertThat(r.type("created")).isEqualTo(Created.class);
    assertThat(r.findName(Created.class)).contains("created");
    assertThat(r.revision("created")).isEqualTo(1);
    assertThat(r.contains("product:snapshot")).isTrue();
  }

  @Test
  void unknownNamesAreASpecificError() {
    CodecRegistry r = CodecRegistry.builder().build();
    assertThatThrownBy(() -> r.type("nope"))
        .isInstanceOfSatisfying(UnknownNameException.class, e -> assertThat(e.name()).isEqualTo("nope"))
        .hasMessageContaining("register(\"nope\"");
    assertThat(r.findType("nope")).isEmpty();
  }

  @Test
  void rejectsDuplicateAndBadRegistrations() {
    assertThatThrownBy(() -> CodecRegistry.builder().register("a", Created.class).register("a", String.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("register(\"a\", " + Created.class.getName() + ".class, 1) was already set; "
            + "register(\"a\", java.lang.String.class, 1) would replace it (each setting may be made once)");
    assertThatThrownBy(() -> CodecRegistry.builder().registerSnapshot("p", Created.class).registerSnapshot("p", Created.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was already set");
    Upcaster first = m -> m;
    Upcaster second = m -> m;
    assertThatThrownBy(
            () -> CodecRegistry.builder().register("a", Created.class, 3).upcaster("a", 1, first).upcaster("a", 1, second))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("upcaster(\"a\", 1, " + first + ") was already set; upcaster(\"a\", 1, " + second
            + ") would replace it");
    assertThat(first.toString()).as("so the two calls read differently").isNotEqualTo(second.toString());
    // different names and different steps accumulate
    CodecRegistry many =
        CodecRegistry.builder()
            .register("a", Created.class, 3)
            .register("b", Created.class)
            .upcaster("a", 1, m -> m)
            .upcaster("a", 2, m -> m)
            .build();
    assertThat(many.contains("a")).isTrue();
    assertThat(many.contains("b")).isTrue();
    assertThatThrownBy(() -> CodecRegistry.builder().register("a", Runnable.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("concrete type");
    assertThatThrownBy(() -> CodecRegistry.builder().upcaster("ghost", 1, m -> m).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("unknown name 'ghost'");
    assertThatThrownBy(() -> CodecRegistry.builder().register("a", Created.class, 2).upcaster("a", 2, m -> m).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void checksDataBeforeEncoding() {
    CodecRegistry r = CodecRegistry.builder().register("created", Created.class).build();
    assertThatThrownBy(() -> r.checkEncodable("created", "a string"))
        .isInstanceOf(PayloadException.class)
        .hasMessageContaining("java.lang.String");
  }

  @Test
  void upcastsStepByStep() {
    CodecRegistry r =
        CodecRegistry.builder()
            .register("created", Created.class, 3)
            .upcaster("created", 1, m -> { m.put("title", m.remove("label")); return m; })
            .upcaster("created", 2, m -> { m.put("name", m.remove("title")); return m; })
            .build();
    Map<String, Object> v1 = new HashMap<>(Map.of("label", "x"));
    assertThat(r.upcast("created", 1, v1)).isEqualTo(Map.of("name", "x"));
    assertThat(r.upcast("created", 3, Map.of("name", "y"))).isEqualTo(Map.of("name", "y"));
    assertThatThrownBy(() -> r.upcast("created", 4, Map.of())).isInstanceOf(PayloadException.class);
  }
}
