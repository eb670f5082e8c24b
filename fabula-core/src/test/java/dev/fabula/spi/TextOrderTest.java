package dev.fabula.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextOrderTest {
  @Test
  void ordersByCodePointAsUtf8BytesCompare() {
    List<String> texts = List.of(
        "", "a", "ab", "b", "Z", "\u007F", "\u0080", "\u07FF", "\u0800", "\uD7FF", "\uE000", "\uFFFD", "\uFFFF",
        "\uD800\uDC00", "\uD83D\uDE00", "\uD83D\uDE00a", "\uDBFF\uDFFF", "x\uE000", "x\uD83D\uDE00");
    for (String x : texts) {
      for (String y : texts) {
        int bytes = Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8));
        assertThat(Integer.signum(TextOrder.compare(x, y)))
            .as("\"%s\" vs \"%s\"", escape(x), escape(y))
            .isEqualTo(Integer.signum(bytes));
      }
    }
  }

  @Test
  void differsFromStringCompareToOnlyBeyondTheBasicPlane() {
    assertThat("\uD83D\uDE00".compareTo("\uE000")).as("UTF-16 units put the pair first").isNegative();
    assertThat(TextOrder.compare("\uD83D\uDE00", "\uE000")).as("code points put it last").isPositive();
    List<String> sorted = new ArrayList<>(List.of("\uFFFD", "\uD83D\uDE00", "\uE000", "a"));
    sorted.sort(TextOrder::compare);
    assertThat(sorted).containsExactly("a", "\uE000", "\uFFFD", "\uD83D\uDE00");
  }

  private static String escape(String s) {
    var b = new StringBuilder();
    s.chars().forEach(c -> b.append(c < 0x80 ? String.valueOf((char) c) : String.format("\\u%04X", c)));
    return b.toString();
  }
}
