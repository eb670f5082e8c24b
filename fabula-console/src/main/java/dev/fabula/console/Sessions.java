package dev.fabula.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The console's sessions: a random id in an HTTP-only cookie, mapped to the session's CSRF token.
 * Bounded: expired sessions are dropped, and past {@link #MAX_SESSIONS} the oldest go first.
 */
final class Sessions {
  static final Duration LIFETIME = Duration.ofHours(12);
  static final int MAX_SESSIONS = 10_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  record Session(String id, String csrf, boolean authenticated, Instant expires) {}

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, Instant> verifiedBearers = new ConcurrentHashMap<>();
  private final InstantSource clock;
  private final @Nullable String passwordHash;
  private final ReentrantLock checking = new ReentrantLock();

  Sessions(InstantSource clock, @Nullable String passwordHash) {
    this.clock = clock;
    this.passwordHash = passwordHash;
  }

  boolean loginRequired() {
    return passwordHash != null;
  }

  Session open(boolean authenticated) {
    Instant now = clock.instant();
    if (sessions.size() >= MAX_SESSIONS) {
      sessions.values().removeIf(s -> !s.expires().isAfter(now));
      while (sessions.size() >= MAX_SESSIONS) {
        sessions.values().stream()
            .min((a, b) -> a.expires().compareTo(b.expires()))
            .ifPresent(s -> sessions.remove(s.id()));
      }
    }
    var s = new Session(token(), token(), authenticated, now.plus(LIFETIME));
    sessions.put(s.id(), s);
    return s;
  }

  Optional<Session> find(@Nullable String id) {
    if (id == null) {
      return Optional.empty();
    }
    Session s = sessions.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (!s.expires().isAfter(clock.instant())) {
      sessions.remove(id);
      return Optional.empty();
    }
    return Optional.of(s);
  }

  void close(String id) {
    sessions.remove(id);
  }

  /** Whether {@code password} is the configured one (PBKDF2, constant-time comparison). */
  boolean checkPassword(String password) {
    if (passwordHash == null) {
      return false;
    }
    // One derivation at a time: guessing in parallel gains nothing over guessing in turn.
    checking.lock();
    try {
      return Passwords.matches(passwordHash, password);
    } finally {
      checking.unlock();
    }
  }

  /**
   * Whether {@code token} is the configured password, sent as a bearer token by a script. A token
   * that passed is remembered by its SHA-256 for the session lifetime, so a script's every call
   * does not cost a PBKDF2 derivation.
   */
  boolean checkBearer(String token) {
    if (passwordHash == null) {
      return false;
    }
    String digest = sha256(token);
    Instant now = clock.instant();
    Instant until = verifiedBearers.get(digest);
    if (until != null && until.isAfter(now)) {
      return true;
    }
    if (!checkPassword(token)) {
      return false;
    }
    verifiedBearers.put(digest, now.plus(LIFETIME));
    return true;
  }

  static boolean sameToken(@Nullable String expected, @Nullable String actual) {
    if (expected == null || actual == null) {
      return false;
    }
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
  }

  private static String token() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
