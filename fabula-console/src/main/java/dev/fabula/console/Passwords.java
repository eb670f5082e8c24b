package dev.fabula.console;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/** PBKDF2 password hashes from the JDK: {@code pbkdf2-sha512$iterations$salt$hash}. */
final class Passwords {
  private static final String PREFIX = "pbkdf2-sha512";
  private static final String ALGORITHM = "PBKDF2WithHmacSHA512";
  static final int ITERATIONS = 210_000;
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 512;
  static final int MIN_LENGTH = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {}

  record Parsed(int iterations, byte[] salt, byte[] hash) {}

  static String hash(char[] password) {
    Objects.requireNonNull(password, "password");
    if (password.length < MIN_LENGTH) {
      throw new IllegalArgumentException(
          "a console password needs at least " + MIN_LENGTH + " characters, got " + password.length);
    }
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = derive(password, salt, ITERATIONS, HASH_BITS);
    var b64 = Base64.getEncoder().withoutPadding();
    return PREFIX + "$" + ITERATIONS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  static Parsed parse(String encoded) {
    String[] parts = encoded.split("\\$", -1);
    if (parts.length != 4 || !parts[0].equals(PREFIX)) {
      throw new IllegalArgumentException(
          "not a console password hash (" + PREFIX + "$iterations$salt$hash, from ConsoleOptions.hashPassword)");
    }
    try {
      int iterations = Integer.parseInt(parts[1]);
      if (iterations < 10_000) {
        throw new IllegalArgumentException("a console password hash needs at least 10000 iterations, got " + iterations);
      }
      var b64 = Base64.getDecoder();
      byte[] salt = b64.decode(parts[2]);
      byte[] hash = b64.decode(parts[3]);
      if (salt.length < 8 || hash.length < 32) {
        throw new IllegalArgumentException("a console password hash's salt or hash is too short");
      }
      return new Parsed(iterations, salt, hash);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a console password hash's iteration count is not a number", e);
    }
  }

  /** Whether {@code password} has the hash {@code encoded}; compares in constant time. */
  static boolean matches(String encoded, String password) {
    Parsed p = parse(encoded);
    byte[] actual = derive(password.toCharArray(), p.salt(), p.iterations(), p.hash().length * 8);
    return MessageDigest.isEqual(actual, p.hash());
  }

  private static byte[] derive(char[] password, byte[] salt, int iterations, int bits) {
    var spec = new PBEKeySpec(password, salt, iterations, bits);
    try {
      return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
    } finally {
      spec.clearPassword();
    }
  }
}
