package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each name is one subject token that holds no separator or wildcard, and no two names share one. */
class SubjectsTest {
  private static final List<String> NAMES =
      List.of("order.placed", "order", "order.*", "order.>", "*", ">", "order placed", "order\tplaced",
          "ordér", "注文.確定", "order_2Eplaced", "order_", "_", "a-b", "😀", "order..placed", "$JS.API");

  @Test
  void everyNameIsOneTokenWithoutSeparatorsWildcardsOrBlanks() {
    for (String name : NAMES) {
      String token = Subjects.token(name);
      assertThat(token).as(name).matches("[A-Za-z0-9_-]+");
    }
  }

  @Test
  void namesNeverShareAToken() {
    Set<String> tokens = new HashSet<>();
    for (String name : NAMES) {
      String token = Subjects.token(name);
      assertThat(tokens.add(token)).as("token of %s is unique", name).isTrue();
    }
  }

  @Test
  void plainNamesStayReadable() {
    assertThat(Subjects.token("OrderPlaced-v2")).isEqualTo("OrderPlaced-v2");
    assertThat(Subjects.token("order.placed")).isEqualTo("order_2Eplaced");
  }

  @Test
  void refusesANameWithAnUnpairedSurrogate() {
    // It has no UTF-8 form: encoded it would become '?' and share the token of a literal "a?".
    for (String bad : List.of("a\uD800", "a\uDC00b", "\uDE00\uD83D")) {
      assertThatThrownBy(() -> Subjects.token(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unpaired surrogate");
    }
    assertThat(Subjects.token("a?")).isEqualTo("a_3F");
  }

  @Test
  void prefixesAndStreamNamesAreChecked() {
    assertThat(Subjects.checkPrefix("fabula.events")).isEqualTo("fabula.events");
    for (String bad : List.of("", ".a", "a.", "a..b", "a.*", "a.>", "a b", "a.ü")) {
      assertThatThrownBy(() -> Subjects.checkPrefix(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(Subjects.checkStreamName("FABULA_EVENTS-1")).isEqualTo("FABULA_EVENTS-1");
    for (String bad : List.of("", "A.B", "A*", "A>", "A B", "A/B")) {
      assertThatThrownBy(() -> Subjects.checkStreamName(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
