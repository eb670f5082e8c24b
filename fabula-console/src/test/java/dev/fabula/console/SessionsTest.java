package dev.fabula.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Sessions expire, stay bounded, and the password check takes the hash only. */
class SessionsTest {
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T08:00:00Z"));
  private final InstantSource clock = () -> now.get();

  @Test
  void aSessionEndsAfterItsLifetime() {
    var sessions = new Sessions(clock, null);
    Sessions.Session s = sessions.open(true);
    assertThat(s.id()).isNotEqualTo(s.csrf()).hasSizeGreaterThanOrEqualTo(43);
    now.set(now.get().plus(Sessions.LIFETIME).minusSeconds(1));
    assertThat(sessions.find(s.id())).contains(s);
    now.set(now.get().plus(Duration.ofSeconds(1)));
    assertThat(sessions.find(s.id())).isEmpty();
    assertThat(sessions.find("made-up")).isEmpty();
  }

  @Test
  void keepsAtMostTheBoundDroppingTheOldestFirst() {
    var sessions = new Sessions(clock, null);
    Sessions.Session oldest = sessions.open(true);
    now.set(now.get().plusSeconds(1));
    Sessions.Session second = sessions.open(true);
    for (int i = 2; i < Sessions.MAX_SESSIONS; i++) {
      sessions.open(true);
    }
    assertThat(sessions.find(oldest.id())).isPresent();
    Sessions.Session newest = sessions.open(true);
    assertThat(sessions.find(oldest.id())).isEmpty();
    assertThat(sessions.find(second.id())).isPresent();
    assertThat(sessions.find(newest.id())).isPresent();
  }

  @Test
  void checksPasswordsAndBearerTokensAgainstTheHash() {
    var sessions = new Sessions(clock, ConsoleOptions.hashPassword("s3cret-enough".toCharArray()));
    assertThat(sessions.loginRequired()).isTrue();
    assertThat(sessions.checkPassword("s3cret-enough")).isTrue();
    assertThat(sessions.checkPassword("s3cret-enougH")).isFalse();
    assertThat(sessions.checkBearer("s3cret-enough")).isTrue();
    assertThat(sessions.checkBearer("s3cret-enough")).as("remembered").isTrue();
    assertThat(sessions.checkBearer("guess")).isFalse();
    assertThat(new Sessions(clock, null).checkBearer("anything")).isFalse();
    assertThat(Sessions.sameToken("a", "a")).isTrue();
    assertThat(Sessions.sameToken("a", null)).isFalse();
  }
}
