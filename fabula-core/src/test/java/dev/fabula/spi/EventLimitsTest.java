package dev.fabula.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.event.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The payload and snapshot checks every backend shares. */
class EventLimitsTest {
  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void findsANulCharacterInEncodedJsonByItsEscape() {
    assertThat(EventLimits.holdsNul(json("{\"a\":\"x\\u0000y\"}"))).isTrue();
    assertThat(EventLimits.holdsNul(new byte[] {'"', 0, '"'})).isTrue();
    // An escaped backslash followed by the letters u0000 is text, not a NUL.
    assertThat(EventLimits.holdsNul(json("{\"a\":\"x\\\\u0000y\"}"))).isFalse();
    assertThat(EventLimits.holdsNul(json("{\"a\":\"\\\\\\u0000\"}"))).isTrue();
    assertThat(EventLimits.holdsNul(json("{\"a\":\"\\u00001\"}"))).isTrue();
    assertThat(EventLimits.holdsNul(json("{\"a\":\"\\u0001\"}"))).isFalse();
  }

  @Test
  void refusesAPayloadWithANulCharacterNamingTheEvent() {
    Event<String> e = Event.create("thing.happened", "x");
    assertThatThrownBy(() -> EventLimits.checkJsonPayload(e, json("{\"a\":\"\\u0000\"}")))
        .isInstanceOfSatisfying(InvalidEventException.class, i -> assertThat(i.getMessage()).contains(e.id().toString()))
        .hasMessageContaining("payload")
        .hasMessageContaining("NUL");
    EventLimits.checkJsonPayload(e, json("{\"a\":\"\\\\u0000\"}")); // accepted
  }

  @Test
  void refusesSnapshotNamesAndStatesBeyondTheLimits() {
    UUID id = UUID.randomUUID();
    EventLimits.checkSnapshotName("a".repeat(EventLimits.MAX_NAME_LENGTH));
    assertThatThrownBy(() -> EventLimits.checkSnapshotName("a".repeat(EventLimits.MAX_NAME_LENGTH + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("255");
    assertThatThrownBy(() -> EventLimits.checkJsonState("order", id, 3, json("{\"a\":\"\\u0000\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(id.toString())
        .hasMessageContaining("version 3");
  }
}
