package dev.fabula.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r",
      "\u0000\u001f\u007f", "ünïcödé 日本 😀", "lone \ud800 high", "lone \udc00 low", "/slash"})
  void aQuotedStringReadsBackAsItWas(String value) {
    var sb = new StringBuilder();
    Json.quote(sb, value);
    String json = sb.toString();
    assertThat(json).doesNotContainPattern("[\\x00-\\x1f]");
    // what was written is valid UTF-8 and reads back to the same chars, lone surrogates included
    assertThat(new Json.Reader(json.getBytes(StandardCharsets.UTF_8)).string()).isEqualTo(value);
  }

  @Test
  void aStringMapKeepsItsOrderAndReadsBack() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("z", "last letter");
    values.put("a", "{\"not\":\"nested\"}");
    values.put("", "");
    String json = Json.stringMap(values);
    assertThat(json).isEqualTo("{\"z\":\"last letter\",\"a\":\"{\\\"not\\\":\\\"nested\\\"}\",\"\":\"\"}");
    assertThat(Json.readStringMap(utf8(json))).containsExactlyEntriesOf(values);
    assertThat(Json.readStringMap(utf8(" { } "))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "[]", "{\"a\":1}", "{\"a\":\"b\",}", "{\"a\":\"b\"} x", "{\"a\" \"b\"}",
      "{\"a\":\"b", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\u0001\"}", "{'a':'b'}"})
  void anythingButAnObjectOfStringsIsASyntaxErrorWithItsOffset(String json) {
    assertThatThrownBy(() -> Json.readStringMap(utf8(json)))
        .isInstanceOf(Json.SyntaxException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(" at byte ");
  }

  @Test
  void rawValueReturnsOneValueOfAnyKindExactlyAsWritten() {
    var r = new Json.Reader(utf8("[{\"a\":[1,-2.5e3,true,false,null]}, \"x\"] , 7"));
    assertThat(new String(r.rawValue(), StandardCharsets.UTF_8))
        .isEqualTo("[{\"a\":[1,-2.5e3,true,false,null]}, \"x\"]");
    r.expect(',');
    assertThat(r.intValue()).isEqualTo(7);
    r.expectEnd();
  }

  @Test
  void integersRefuseFractionsAndOverflow() {
    assertThat(new Json.Reader(utf8(" -9223372036854775808")).integer()).isEqualTo(Long.MIN_VALUE);
    assertThatThrownBy(() -> new Json.Reader(utf8("1.5")).integer()).hasMessageContaining("fraction");
    assertThatThrownBy(() -> new Json.Reader(utf8("9223372036854775808")).integer())
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> new Json.Reader(utf8("2147483648")).intValue())
        .hasMessageContaining("out of range");
  }

  @Test
  void deepNestingIsRefusedRatherThanOverflowingTheStack() {
    byte[] deep = utf8("[".repeat(10_000) + "]".repeat(10_000));
    assertThatThrownBy(() -> new Json.Reader(deep).rawValue()).hasMessageContaining("nested too deeply");
  }

  @Test
  void nullIsConsumedOnlyWhenItIsThere() {
    var r = new Json.Reader(utf8(" null \"nul\""));
    assertThat(r.consumeNull()).isTrue();
    assertThat(r.consumeNull()).isFalse();
    assertThat(r.string()).isEqualTo("nul");
  }
}
