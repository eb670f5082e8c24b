package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** {@link ScheduleOptions.Builder} takes each setting once and refuses contradictions at the setter. */
class ScheduleOptionsTest {
  private static final Duration MS_50 = Duration.ofMillis(50);
  private static final Duration MS_10 = Duration.ofMillis(10);

  @Test
  void eachSettingMadeOnceIsKept() {
    InstantSource clock = InstantSource.system();
    ScheduleOptions o =
        ScheduleOptions.builder()
            .debounce(MS_10)
            .debounceCap(MS_50)
            .catchUp(CatchUp.NONE)
            .failurePolicy(FailurePolicy.STOP)
            .retryPolicy(RetryPolicy.none())
            .clock(clock)
            .jobCacheSize(0)
            .build();
    assertThat(o.debounce()).isEqualTo(MS_10);
    assertThat(o.debounceCap()).isEqualTo(MS_50);
    assertThat(o.retryPolicy()).isEqualTo(RetryPolicy.none());
    assertThat(o.clock()).isSameAs(clock);
    assertThat(o.jobCacheSize()).isZero();
  }

  @Test
  void aSecondCallOfAnySettingIsRefusedNamingBoth() {
    assertThatThrownBy(() -> ScheduleOptions.builder().debounce(MS_10).debounce(MS_50))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("debounce(PT0.01S) was already set; debounce(PT0.05S) would replace it");
    assertThatThrownBy(() -> ScheduleOptions.builder().jobCacheSize(1).jobCacheSize(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("jobCacheSize(1) was already set; jobCacheSize(2)");
    assertThatThrownBy(() -> ScheduleOptions.builder().catchUp(CatchUp.NONE).catchUp(CatchUp.NONE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("catchUp(NONE) was already set");
  }

  @Test
  void aCapShorterThanTheDebounceContradictsItInEitherOrder() {
    assertThatThrownBy(() -> ScheduleOptions.builder().debounce(MS_50).debounceCap(MS_10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("debounceCap(PT0.01S) contradicts debounce(PT0.05S): the cap is shorter than the debounce");
    assertThatThrownBy(() -> ScheduleOptions.builder().debounceCap(MS_10).debounce(MS_50))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("debounce(PT0.05S) contradicts debounceCap(PT0.01S): the cap is shorter than the debounce");
  }

  @Test
  void aCapContradictsAZeroDebounceAndNeedsOne() {
    assertThatThrownBy(() -> ScheduleOptions.builder().debounce(Duration.ZERO).debounceCap(MS_10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("debounceCap(PT0.01S) contradicts debounce(PT0S)");
    assertThatThrownBy(() -> ScheduleOptions.builder().debounceCap(MS_10).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("debounceCap(PT0.01S) needs a debounce");
  }
}
