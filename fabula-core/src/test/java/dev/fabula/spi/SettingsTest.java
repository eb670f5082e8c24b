package dev.fabula.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingsTest {
  @Test
  void aSettingNotYetMadePasses() {
    Settings.requireUnset(false, "limit", null, 3); // nothing thrown
  }

  @Test
  void aRepeatNamesBothCalls() {
    assertThatThrownBy(() -> Settings.requireUnset(true, "limit", 1, 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("limit(1) was already set; limit(3) would replace it (each setting may be made once)");
  }

  @Test
  void aContradictionNamesBothSettingsAndWhy() {
    assertThat(Settings.contradiction("debounceCap(PT1S)", "debounce(PT2S)", "the cap is shorter"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("debounceCap(PT1S) contradicts debounce(PT2S): the cap is shorter");
  }

  @Test
  void callsQuoteStringsAndNameClasses() {
    assertThat(Settings.call("register", "a", String.class, 2, null, Duration.ofSeconds(1)))
        .isEqualTo("register(\"a\", java.lang.String.class, 2, null, PT1S)");
    assertThat(Settings.call("build")).isEqualTo("build()");
  }
}
