package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DebouncerTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private final Debouncer debouncer = new Debouncer(Duration.ofMillis(100), Duration.ofMillis(300));

  @Test
  void nothingIsDueWithoutATriggeringEvent() {
    assertThat(debouncer.deadline()).isNull();
  }

  @Test
  void aSingleEventIsDueAfterTheDebounce() {
    debouncer.onEvent(T0);
    assertThat(debouncer.deadline()).isEqualTo(T0.plusMillis(100));
  }

  @Test
  void eachEventWithinTheDebounceExtendsTheWait() {
    debouncer.onEvent(T0);
    debouncer.onEvent(T0.plusMillis(60));
    assertThat(debouncer.deadline()).isEqualTo(T0.plusMillis(160));
  }

  @Test
  void aStreamFasterThanTheDebounceCannotPostponeTheJobPastTheCap() {
    // One event every 50 ms, forever: a restarting debounce would never fire.
    for (int i = 0; i <= 100; i++) {
      Instant now = T0.plusMillis(50L * i);
      debouncer.onEvent(now);
      assertThat(debouncer.deadline()).isBeforeOrEqualTo(T0.plusMillis(300));
    }
    assertThat(debouncer.deadline()).isEqualTo(T0.plusMillis(300));
  }

  @Test
  void theCapCountsFromTheFirstEventOfTheNextBatchAfterAJobStarted() {
    debouncer.onEvent(T0);
    debouncer.clear();
    assertThat(debouncer.deadline()).isNull();
    debouncer.onEvent(T0.plusMillis(1000));
    debouncer.onEvent(T0.plusMillis(1090));
    debouncer.onEvent(T0.plusMillis(1180));
    debouncer.onEvent(T0.plusMillis(1270));
    assertThat(debouncer.deadline()).isEqualTo(T0.plusMillis(1300));
  }

  @Test
  void aCapOrDebounceTooLongToAddIsForeverInsteadOfAnOverflow() {
    var forever = java.time.temporal.ChronoUnit.FOREVER.getDuration();
    var capless = new Debouncer(Duration.ofMillis(100), forever);
    capless.onEvent(T0);
    assertThat(capless.deadline()).isEqualTo(T0.plusMillis(100));
    var endless = new Debouncer(forever, forever);
    endless.onEvent(T0);
    assertThat(endless.deadline()).isEqualTo(Instant.MAX);
    assertThat(Debouncer.nanosUntil(T0, Instant.MAX)).isEqualTo(Long.MAX_VALUE);
  }
}
